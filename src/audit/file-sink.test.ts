import assert from 'node:assert/strict';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { hashLine } from './audit-chain.js';
import { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import { AuditTrail } from './audit-trail.js';
import { FileAuditSink } from './file-sink.js';
import type { FileAuditSinkOptions } from './file-sink.js';
import { verifyAuditFile } from './verify-audit-log.js';

const key = new AuditKey(Buffer.alloc(32, 5));

function event(n: number): AuditEvent {
  return {
    route: 'DELETE /generators/:generatorNamespace/:generatorKind/:generatorName',
    requestId: `request-${n}`,
    resource: { generator: 'gen/Password/db-password' },
    decision: 'allow',
    reason: 'Ok',
    status: 200,
  };
}

async function openTrail(path: string, options: FileAuditSinkOptions = {}): Promise<AuditTrail> {
  return new AuditTrail({ sink: await FileAuditSink.open(path, options), key });
}

async function seqs(path: string): Promise<number[]> {
  const text = await readFile(path, 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

describe('FileAuditSink', () => {
  let dir: string;
  let n = 0;
  const path = (): string => join(dir, `audit-${(n += 1)}.log`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates the file with mode 0600 and appends whole lines', async () => {
    const file = path();
    const trail = await openTrail(file);
    await trail.record(event(1));
    await trail.record(event(2));
    await trail.close();

    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await seqs(file), [1, 2]);
    assert.equal((await verifyAuditFile(file)).problem, undefined);
  });

  it('goes on with seq and prev after a restart of the process', async () => {
    const file = path();
    const first = await openTrail(file);
    await first.record(event(1));
    await first.record(event(2));
    await first.close();

    const second = await openTrail(file);
    assert.equal(second.head?.seq, 2);
    await second.record(event(3));
    await second.close();

    assert.deepEqual(await seqs(file), [1, 2, 3]);
    const result = await verifyAuditFile(file);
    assert.equal(result.problem, undefined);
    assert.equal(result.lastSeq, 3);
  });

  it('goes on with seq and prev after reopen() at the same path', async () => {
    const file = path();
    const trail = await openTrail(file);
    await trail.record(event(1));
    await trail.reopen();
    await trail.record(event(2));
    await trail.close();
    assert.deepEqual(await seqs(file), [1, 2]);
    assert.equal((await verifyAuditFile(file)).problem, undefined);
  });

  it('follows a rotation: the next line opens a new file and the chain carries on', async () => {
    const file = path();
    let now = 0;
    const trail = await openTrail(file, { now: () => now });
    await trail.record(event(1));
    await trail.record(event(2));
    await rename(file, `${file}.1`);

    // Within the check interval the old file still gets the line; after it, the new one.
    await trail.record(event(3));
    now += 1000;
    await trail.record(event(4));
    await trail.record(event(5));
    await trail.close();

    assert.deepEqual(await seqs(`${file}.1`), [1, 2, 3]);
    assert.deepEqual(await seqs(file), [4, 5]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const old = await verifyAuditFile(`${file}.1`);
    assert.equal(old.problem, undefined);
    const current = await verifyAuditFile(file, { prev: old.head });
    assert.equal(current.problem, undefined);
    assert.equal(current.firstSeq, 4);
  });

  it('follows a deleted file with a new one, and reopen() follows a rotation at once', async () => {
    const file = path();
    let now = 0;
    const trail = await openTrail(file, { now: () => now });
    await trail.record(event(1));
    await rm(file);
    now += 5000;
    await trail.record(event(2));
    assert.deepEqual(await seqs(file), [2]);

    await rename(file, `${file}.1`);
    await trail.reopen();
    await trail.record(event(3));
    await trail.close();
    assert.deepEqual(await seqs(file), [3]);
    const rotated = await verifyAuditFile(`${file}.1`);
    assert.equal((await verifyAuditFile(file, { prev: rotated.head })).problem, undefined);
  });

  it('fails writes while the path cannot be opened, then recovers without a gap', async () => {
    const file = path();
    let now = 0;
    const trail = await openTrail(file, { now: () => now });
    await trail.record(event(1));
    await rename(file, `${file}.1`);
    await mkdir(file);
    now += 1000;

    await assert.rejects(trail.record(event(2)), /cannot open audit log .*: EISDIR/);
    await assert.rejects(trail.record(event(3)), /EISDIR/);
    await rm(file, { recursive: true });
    await trail.record(event(4));
    await trail.close();

    const rotated = await verifyAuditFile(`${file}.1`);
    assert.deepEqual(await seqs(file), [2]);
    assert.equal((await verifyAuditFile(file, { prev: rotated.head })).problem, undefined);
  });

  it('ends a line left incomplete by a crash before writing, so later lines stay whole', async () => {
    const file = path();
    const first = await openTrail(file);
    await first.record(event(1));
    await first.close();
    const [complete] = (await readFile(file, 'utf8')).split('\n');
    await appendFile(file, '{"audit":"federation-server/v1","ti');

    const second = await openTrail(file);
    assert.deepEqual(second.head, { seq: 1, hash: hashLine(complete ?? '') });
    await second.record(event(2));
    await second.close();

    const lines = (await readFile(file, 'utf8')).split('\n');
    assert.equal(lines[1], '{"audit":"federation-server/v1","ti');
    assert.equal((JSON.parse(lines[2] ?? '') as { seq: number }).seq, 2);
    const result = await verifyAuditFile(file);
    assert.equal(result.problem?.kind, 'not-json');
    assert.equal(result.problem?.line, 2);
  });

  it('refuses a file that does not end with an audit line, and a directory', async () => {
    const file = path();
    await writeFile(file, '{"level":30,"msg":"server listening"}\n');
    await assert.rejects(FileAuditSink.open(file), {
      message: `audit log ${file} does not end with an audit line; move it away or choose another path`,
    });
    await assert.rejects(FileAuditSink.open(dir), /EISDIR|is not a regular file/);
  });

  it('finds the last line of a file larger than one read from its end', async () => {
    const file = path();
    const trail = await openTrail(file);
    const big: AuditEvent = { ...event(0), resource: { store: 's', key: 'k'.repeat(1000) } };
    for (let i = 0; i < 100; i += 1) await trail.record(big);
    await trail.close();
    assert.ok((await stat(file)).size > 64 * 1024);

    const again = await openTrail(file);
    assert.equal(again.head?.seq, 100);
    await again.close();
  });
});
