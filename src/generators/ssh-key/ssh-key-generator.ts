import { generateKeyPair, type KeyObject } from 'node:crypto';

import type { GeneratedValues, Generator, GeneratorDefinition } from '../generator.js';
import {
  ecdsaKeyMaterial,
  ed25519KeyMaterial,
  rsaKeyMaterial,
  type SshKeyMaterial,
} from './key-material.js';
import { formatAuthorizedKey, formatOpenSshPrivateKey } from './openssh-format.js';
import { sshKeySizes, sshKeySpecSchema, type SshKeySpec, type SshKeyType } from './schema.js';

/** The NIST curve behind each ECDSA key size. */
const ecdsaCurves: Record<number, string> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };

type KeyPairCallback = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void;

/** Generates the private key off the main thread (RSA takes a while) and resolves it. */
function generatePrivateKey(keyType: SshKeyType, keySize: number): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done: KeyPairCallback = (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve(privateKey);
    if (keyType === 'rsa') {
      generateKeyPair('rsa', { modulusLength: keySize, publicExponent: 0x10001 }, done);
    } else if (keyType === 'ecdsa') {
      generateKeyPair('ec', { namedCurve: ecdsaCurves[keySize] ?? '' }, done);
    } else {
      generateKeyPair('ed25519', {}, done);
    }
  });
}

function toKeyMaterial(keyType: SshKeyType, privateKey: KeyObject): SshKeyMaterial {
  const jwk = privateKey.export({ format: 'jwk' });
  switch (keyType) {
    case 'rsa':
      return rsaKeyMaterial(jwk);
    case 'ecdsa':
      return ecdsaKeyMaterial(jwk);
    case 'ed25519':
      return ed25519KeyMaterial(jwk);
  }
}

/** The key size in bits: the type's default when absent; undefined for ed25519. */
function resolveKeySize(spec: SshKeySpec): number | undefined {
  const allowed: readonly number[] = sshKeySizes[spec.keyType];
  if (spec.keySize === undefined) {
    return allowed[0];
  }
  if (!allowed.includes(spec.keySize)) {
    throw new RangeError(`invalid SSHKey spec: keySize ${spec.keySize} for ${spec.keyType}`);
  }
  return spec.keySize;
}

/**
 * Creates an SSHKey generator from a validated spec. Every call makes a new key pair and
 * returns `privateKey` (OpenSSH private key format, unencrypted) and `publicKey` (one
 * authorized_keys line). RSA keys use the public exponent 65537.
 *
 * @throws RangeError when `keySize` does not fit `keyType` (the schema rejects it first).
 */
export function createSshKeyGenerator(spec: SshKeySpec): Generator {
  const keySize = resolveKeySize(spec);
  const comment = spec.comment ?? '';

  return {
    async generate(): Promise<GeneratedValues> {
      // ed25519 has no size to choose; its branch never reads the 0.
      const privateKey = await generatePrivateKey(spec.keyType, keySize ?? 0);
      const material = toKeyMaterial(spec.keyType, privateKey);
      return {
        values: {
          privateKey: formatOpenSshPrivateKey(material, comment),
          publicKey: formatAuthorizedKey(material, comment),
        },
      };
    },
  };
}

/** The `SSHKey` generator kind (`sshKeySpec` inside a ClusterGenerator). */
export const sshKeyGenerator: GeneratorDefinition<SshKeySpec> = {
  kind: 'SSHKey',
  clusterGeneratorKey: 'sshKeySpec',
  schema: sshKeySpecSchema,
  create: createSshKeyGenerator,
};
