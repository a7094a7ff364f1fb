import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';

import { ed25519KeyMaterial } from './key-material.js';
import { formatAuthorizedKey, formatOpenSshPrivateKey } from './openssh-format.js';

/** A minimal reader of the SSH wire format, for checking what the writer produced. */
class WireReader {
  offset = 0;
  constructor(readonly buffer: Buffer) {}
  uint32(): number {
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  bytes(): Buffer {
    const length = this.uint32();
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
}

function unarmour(pem: string): Buffer {
  const lines = pem.trimEnd().split('\n');
  assert.equal(lines[0], '-----BEGIN OPENSSH PRIVATE KEY-----');
  assert.equal(lines.at(-1), '-----END OPENSSH PRIVATE KEY-----');
  const body = lines.slice(1, -1);
  assert.ok(body.every((line) => line.length <= 70));
  return Buffer.from(body.join(''), 'base64');
}

/** Skips the container header (cipher, KDF, KDF options, key count, public key). */
function privateSectionOf(container: Buffer): WireReader {
  const outer = new WireReader(container.subarray(15));
  outer.text();
  outer.text();
  outer.bytes();
  outer.uint32();
  outer.bytes();
  return new WireReader(outer.bytes());
}

const { privateKey } = generateKeyPairSync('ed25519');
const material = ed25519KeyMaterial(privateKey.export({ format: 'jwk' }));

describe('formatOpenSshPrivateKey', () => {
  it('writes an unencrypted openssh-key-v1 container holding one key', () => {
    const pem = formatOpenSshPrivateKey(material, 'deploy@example');
    assert.ok(pem.endsWith('-----END OPENSSH PRIVATE KEY-----\n'));
    const container = unarmour(pem);
    assert.equal(container.subarray(0, 15).toString('latin1'), 'openssh-key-v1\0');

    const reader = new WireReader(container.subarray(15));
    assert.equal(reader.text(), 'none');
    assert.equal(reader.text(), 'none');
    assert.equal(reader.bytes().length, 0);
    assert.equal(reader.uint32(), 1);
    assert.deepEqual(reader.bytes(), material.publicBlob);
    const section = reader.bytes();
    assert.equal(reader.offset, container.length - 15);
    assert.equal(section.length % 8, 0);
  });

  it('writes equal check-ints, the key, the comment and padding 1, 2, 3, ...', () => {
    const container = unarmour(formatOpenSshPrivateKey(material, 'deploy@example'));
    const section = privateSectionOf(container);

    assert.equal(section.uint32(), section.uint32());
    assert.equal(section.text(), 'ssh-ed25519');
    const publicKey = section.bytes();
    assert.equal(section.bytes().subarray(32).compare(publicKey), 0);
    assert.equal(section.text(), 'deploy@example');
    const padding = [...section.buffer.subarray(section.offset)];
    assert.deepEqual(
      padding,
      padding.map((_, index) => index + 1),
    );
  });

  it('uses fresh check-ints for every key', () => {
    const first = formatOpenSshPrivateKey(material, '');
    const second = formatOpenSshPrivateKey(material, '');
    assert.notEqual(first, second);
  });
});

describe('formatAuthorizedKey', () => {
  it('writes type, base64 blob and comment on one line', () => {
    const line = formatAuthorizedKey(material, 'deploy@example');
    assert.equal(line, `ssh-ed25519 ${material.publicBlob.toString('base64')} deploy@example\n`);
  });

  it('leaves the comment out when it is empty', () => {
    assert.equal(formatAuthorizedKey(material, '').split(' ').length, 2);
  });
});
