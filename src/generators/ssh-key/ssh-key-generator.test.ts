import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { sshKeyGenerator } from './index.js';
import { contextWithoutSecrets } from '../../providers/secret-reader.js';

const hasSshKeygen = !spawnSync('ssh-keygen', ['-?']).error;
const skipWithoutSshKeygen = hasSshKeygen ? false : 'ssh-keygen is not installed';
const workDir = mkdtempSync(join(tmpdir(), 'ssh-key-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

async function generate(spec: unknown): Promise<{ privateKey: string; publicKey: string }> {
  const generator = sshKeyGenerator.create(
    sshKeyGenerator.schema.parse(spec),
    contextWithoutSecrets,
  );
  const { values, providerState } = await generator.generate();
  assert.equal(providerState, undefined);
  assert.deepEqual(Object.keys(values).sort(), ['privateKey', 'publicKey']);
  return { privateKey: values.privateKey ?? '', publicKey: values.publicKey ?? '' };
}

/** SHA256 fingerprint as ssh-keygen prints it: unpadded base64 of the blob's digest. */
function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(' ')[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function checkWithSshKeygen(name: string, keys: { privateKey: string; publicKey: string }) {
  const privatePath = join(workDir, name);
  const publicPath = `${privatePath}.pub`;
  // ssh-keygen refuses private key files that others can read.
  writeFileSync(privatePath, keys.privateKey, { mode: 0o600 });
  writeFileSync(publicPath, keys.publicKey);

  const derived = execFileSync('ssh-keygen', ['-y', '-f', privatePath], { encoding: 'utf8' });
  const listed = execFileSync('ssh-keygen', ['-l', '-f', publicPath], { encoding: 'utf8' });
  return { derived: derived.trim().split(' '), listed: listed.trim().split(' ') };
}

const cases = [
  { spec: {}, type: 'ssh-rsa', bits: '2048', label: 'RSA' },
  { spec: { keyType: 'ecdsa' }, type: 'ecdsa-sha2-nistp256', bits: '256', label: 'ECDSA' },
  {
    spec: { keyType: 'ecdsa', keySize: 384 },
    type: 'ecdsa-sha2-nistp384',
    bits: '384',
    label: 'ECDSA',
  },
  {
    spec: { keyType: 'ecdsa', keySize: 521 },
    type: 'ecdsa-sha2-nistp521',
    bits: '521',
    label: 'ECDSA',
  },
  { spec: { keyType: 'ed25519' }, type: 'ssh-ed25519', bits: '256', label: 'ED25519' },
];

describe('SSHKey generator', () => {
  it('is the SSHKey kind with the sshKeySpec cluster key', () => {
    assert.equal(sshKeyGenerator.kind, 'SSHKey');
    assert.equal(sshKeyGenerator.clusterGeneratorKey, 'sshKeySpec');
  });

  for (const { spec, type, bits, label } of cases) {
    const name = `${type} (${bits} bits)`;

    it(`writes an OpenSSH private key and an authorized_keys line for ${name}`, async () => {
      const keys = await generate({ ...spec, comment: 'app@hub' });
      assert.match(keys.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
      assert.match(keys.publicKey, new RegExp(`^${type} AAAA[A-Za-z0-9+/]+=* app@hub\\n$`));
    });

    it(
      `writes a ${name} key that ssh-keygen reads back`,
      { skip: skipWithoutSshKeygen },
      async () => {
        const keys = await generate({ ...spec, comment: 'app@hub' });
        const { derived, listed } = checkWithSshKeygen(type, keys);
        const [publicType, publicBlob] = keys.publicKey.split(' ');
        assert.deepEqual(derived.slice(0, 2), [publicType, publicBlob]);
        assert.deepEqual(listed, [bits, fingerprint(keys.publicKey), 'app@hub', `(${label})`]);
      },
    );
  }

  it('leaves the comment out of the public key when none is given', async () => {
    const { publicKey } = await generate({ keyType: 'ed25519' });
    assert.match(publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
  });

  it('makes a new key pair on every call', async () => {
    const generator = sshKeyGenerator.create(
      sshKeyGenerator.schema.parse({ keyType: 'ed25519' }),
      contextWithoutSecrets,
    );
    const first = await generator.generate();
    const second = await generator.generate();
    assert.notEqual(first.values.publicKey, second.values.publicKey);
    assert.equal(generator.revoke, undefined);
  });
});

describe('SSHKey spec', () => {
  const check = (spec: unknown) => sshKeyGenerator.schema.safeParse(spec);
  const messageOf = (spec: unknown) => check(spec).error?.issues[0]?.message ?? '';

  it('defaults to rsa without keySize or comment', () => {
    assert.deepEqual(sshKeyGenerator.schema.parse({}), { keyType: 'rsa' });
  });

  it('accepts the sizes of each key type', () => {
    for (const keySize of [2048, 3072, 4096]) assert.ok(check({ keySize }).success);
    for (const keySize of [256, 384, 521]) assert.ok(check({ keyType: 'ecdsa', keySize }).success);
  });

  it('rejects a size that does not fit the key type', () => {
    assert.match(messageOf({ keySize: 1024 }), /rsa must be one of 2048, 3072, 4096/);
    assert.match(messageOf({ keyType: 'ecdsa', keySize: 2048 }), /ecdsa must be one of 256/);
  });

  it('rejects any keySize for ed25519', () => {
    assert.match(messageOf({ keyType: 'ed25519', keySize: 256 }), /must be absent/);
  });

  it('rejects unknown key types, unknown fields and multi-line comments', () => {
    assert.equal(check({ keyType: 'dsa' }).success, false);
    assert.equal(check({ bits: 2048 }).success, false);
    assert.match(messageOf({ comment: 'a\nb' }), /single line/);
  });

  it('refuses to create a generator from a spec that bypassed the schema', () => {
    assert.throws(
      () => sshKeyGenerator.create({ keyType: 'ed25519', keySize: 256 }, contextWithoutSecrets),
      RangeError,
    );
  });
});
