import { randomBytes } from 'node:crypto';

import type { SshKeyMaterial } from './key-material.js';
import { sshString, sshUint32 } from './ssh-wire.js';

const authMagic = Buffer.from('openssh-key-v1\0', 'latin1');

// With cipher "none" the private section is padded to OpenSSH's minimum block size of 8.
const blockSize = 8;

// OpenSSH wraps the base64 body of its private key files at 70 columns.
const lineWidth = 70;

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (let offset = 0; offset < text.length; offset += width) {
    lines.push(text.slice(offset, offset + width));
  }
  return lines.join('\n');
}

/** The private section: check-ints, the key, the comment, then padding bytes 1, 2, 3, ... */
function privateSection(material: SshKeyMaterial, comment: string): Buffer {
  // Two equal random check-ints let a reader tell a wrong passphrase from a right one.
  const checkInt = randomBytes(4).readUInt32BE();
  const body = Buffer.concat([
    sshUint32(checkInt),
    sshUint32(checkInt),
    sshString(material.typeName),
    material.privateFields,
    sshString(comment),
  ]);
  const paddingLength = (blockSize - (body.length % blockSize)) % blockSize;
  const padding = Buffer.from(Array.from({ length: paddingLength }, (_, index) => index + 1));
  return Buffer.concat([body, padding]);
}

/**
 * The private key in OpenSSH's own format (PROTOCOL.key in the OpenSSH sources): one
 * unencrypted key (cipher and KDF `none`) with its comment, PEM-armoured, ending in a newline.
 */
export function formatOpenSshPrivateKey(material: SshKeyMaterial, comment: string): string {
  const container = Buffer.concat([
    authMagic,
    sshString('none'),
    sshString('none'),
    sshString(''),
    sshUint32(1),
    sshString(material.publicBlob),
    sshString(privateSection(material, comment)),
  ]);
  return [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    wrap(container.toString('base64'), lineWidth),
    '-----END OPENSSH PRIVATE KEY-----',
    '',
  ].join('\n');
}

/**
 * The public key as one authorized_keys line: `type base64 [comment]` and a newline,
 * the same text the External Secrets Operator returns.
 */
export function formatAuthorizedKey(material: SshKeyMaterial, comment: string): string {
  const fields = [material.typeName, material.publicBlob.toString('base64')];
  if (comment !== '') {
    fields.push(comment);
  }
  return `${fields.join(' ')}\n`;
}
