import type { JsonWebKey } from 'node:crypto';

import { sshMpint, sshString } from './ssh-wire.js';

/** One key pair in SSH wire form, ready for the OpenSSH text formats. */
export interface SshKeyMaterial {
  /** The SSH key type name, e.g. `ssh-ed25519`. */
  typeName: string;
  /** The public key blob (the base64 part of an authorized_keys line, decoded). */
  publicBlob: Buffer;
  /** The type-specific private fields that follow the type name in openssh-key-v1. */
  privateFields: Buffer;
}

/** A base64url JWK member as bytes; a missing member is a bug in the key export. */
function member(jwk: JsonWebKey, name: string): Buffer {
  const value = (jwk as Record<string, unknown>)[name];
  if (typeof value !== 'string') {
    throw new Error(`the exported JWK has no ${name}`);
  }
  return Buffer.from(value, 'base64url');
}

/** RSA (RFC 4253 §6.6; private fields in the order OpenSSH writes them: n e d iqmp p q). */
export function rsaKeyMaterial(jwk: JsonWebKey): SshKeyMaterial {
  const [n, e, d, p, q, iqmp] = [
    member(jwk, 'n'),
    member(jwk, 'e'),
    member(jwk, 'd'),
    member(jwk, 'p'),
    member(jwk, 'q'),
    member(jwk, 'qi'),
  ];
  const typeName = 'ssh-rsa';
  return {
    typeName,
    publicBlob: Buffer.concat([sshString(typeName), sshMpint(e), sshMpint(n)]),
    privateFields: Buffer.concat([n, e, d, iqmp, p, q].map((value) => sshMpint(value))),
  };
}

/** The SSH curve identifier of each JWK curve (RFC 5656 §6.1). */
const sshCurveNames: Record<string, string> = {
  'P-256': 'nistp256',
  'P-384': 'nistp384',
  'P-521': 'nistp521',
};

/** ECDSA (RFC 5656 §3.1): the point is uncompressed, 0x04 || x || y, at full width. */
export function ecdsaKeyMaterial(jwk: JsonWebKey): SshKeyMaterial {
  const curve = sshCurveNames[jwk.crv ?? ''];
  if (curve === undefined) {
    throw new Error(`unsupported ECDSA curve ${jwk.crv ?? '(none)'}`);
  }
  const point = Buffer.concat([Buffer.of(4), member(jwk, 'x'), member(jwk, 'y')]);
  const typeName = `ecdsa-sha2-${curve}`;
  return {
    typeName,
    publicBlob: Buffer.concat([sshString(typeName), sshString(curve), sshString(point)]),
    privateFields: Buffer.concat([sshString(curve), sshString(point), sshMpint(member(jwk, 'd'))]),
  };
}

/** Ed25519 (RFC 8709): OpenSSH stores the private key as seed || public key, 64 bytes. */
export function ed25519KeyMaterial(jwk: JsonWebKey): SshKeyMaterial {
  const publicKey = member(jwk, 'x');
  const seed = member(jwk, 'd');
  const typeName = 'ssh-ed25519';
  return {
    typeName,
    publicBlob: Buffer.concat([sshString(typeName), sshString(publicKey)]),
    privateFields: Buffer.concat([
      sshString(publicKey),
      sshString(Buffer.concat([seed, publicKey])),
    ]),
  };
}
