import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AuditKey, auditKeyBytes, loadAuditKey, readAuditKey } from './audit-key.js';

describe('the audit key', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-key-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives the same HMAC for the same value under one key, and another under another key', () => {
    const one = new AuditKey(Buffer.alloc(32, 1));
    const same = new AuditKey(Buffer.alloc(32, 1));
    const other = new AuditKey(Buffer.alloc(32, 2));

    assert.match(one.digest('request-1'), /^[0-9a-f]{64}$/);
    assert.equal(one.digest('request-1'), same.digest('request-1'));
    assert.notEqual(one.digest('request-1'), one.digest('request-2'));
    assert.notEqual(one.digest('request-1'), other.digest('request-1'));
  });

  it('remembers digests of repeated values and gives the same ones as digest', () => {
    const key = new AuditKey(Buffer.alloc(32, 1));
    const remembered = key.remembering(2);
    for (const value of ['jti-1', 'jti-2', 'jti-1', 'jti-3', 'jti-1', 'jti-2']) {
      assert.equal(remembered(value), key.digest(value), value);
    }
  });

  it('does not show its bytes when printed or serialised', () => {
    const key = new AuditKey(Buffer.from('k'.repeat(32)));
    assert.doesNotMatch(JSON.stringify(key), /kkkk/);
    assert.doesNotMatch(String(Object.values(key)), /kkkk/);
  });

  it('creates the missing directory of a new key file, readable by its owner only', async () => {
    const path = join(dir, 'data', 'nested', 'audit.key');
    await loadAuditKey(path);
    assert.equal((await stat(join(dir, 'data', 'nested'))).mode & 0o777, 0o700);
    assert.equal((await readFile(path)).length, auditKeyBytes);
  });

  it('creates a missing key file with 32 random bytes and mode 0600, then reuses it', async () => {
    const path = join(dir, 'new.key');
    const created = await loadAuditKey(path);

    const bytes = await readFile(path);
    assert.equal(bytes.length, auditKeyBytes);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const again = await loadAuditKey(path);
    assert.equal(again.digest('x'), created.digest('x'));
    assert.deepEqual(await readFile(path), bytes);
  });

  it('refuses a key file shorter than 32 bytes', async () => {
    const path = join(dir, 'short.key');
    await writeFile(path, Buffer.alloc(31, 7), { mode: 0o600 });
    await assert.rejects(loadAuditKey(path), {
      message: `audit key file ${path} holds 31 bytes; it needs at least 32`,
    });
  });

  it('refuses a key file open to group or others, and says which', async () => {
    const path = join(dir, 'open.key');
    await writeFile(path, Buffer.alloc(32, 7), { mode: 0o600 });
    const cases: [number, string][] = [
      [0o640, 'group'],
      [0o604, 'others'],
      [0o644, 'group and others'],
      [0o620, 'group'],
    ];
    for (const [mode, who] of cases) {
      await chmod(path, mode);
      const octal = mode.toString(8).padStart(4, '0');
      await assert.rejects(readAuditKey(path), {
        message: `audit key file ${path} is accessible to ${who} (mode ${octal}); run chmod 600 ${path}`,
      });
    }
  });

  it('says which file it cannot create', async () => {
    // A regular file where the key's directory should be: neither can be created.
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const path = join(dir, 'not-a-dir', 'audit.key');
    await assert.rejects(loadAuditKey(path), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /audit key file .*not-a-dir\/audit\.key: (ENOTDIR|EEXIST)/);
      return true;
    });
  });
});
