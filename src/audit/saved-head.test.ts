import assert from 'node:assert/strict';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import { AuditTrail } from './audit-trail.js';
import { FileAuditSink } from './file-sink.js';
import type { FileAuditSinkOptions } from './file-sink.js';
import { headPathOf, readSavedHead, saveHead } from './saved-head.js';
import { verifyAuditFile } from './verify-audit-log.js';

const key = new AuditKey(Buffer.alloc(32, 6));

function event(n: number): AuditEvent {
  return {
    route: 'POST /generators/:g',
    requestId: `r-${n}`,
    decision: 'allow',
    reason: 'Ok',
    status: 200,
  };
}

async function openTrail(path: string, options: FileAuditSinkOptions = {}): Promise<AuditTrail> {
  return new AuditTrail({ sink: await FileAuditSink.open(path, options), key });
}

async function writeLines(path: string, count: number): Promise<void> {
  const trail = await openTrail(path);
  for (let n = 1; n <= count; n += 1) await trail.record(event(n));
  await trail.close();
}

describe('the chain head saved beside the audit log', () => {
  let dir: string;
  let n = 0;
  const path = (): string => join(dir, `audit-${(n += 1)}.log`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-head-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('goes on with seq and prev after a restart that follows a rotation', async () => {
    const file = path();
    await writeLines(file, 2);
    await rename(file, `${file}.1`);

    // The server stops before any line goes to the new file, and starts again.
    const trail = await openTrail(file);
    assert.equal(trail.head?.seq, 2);
    await trail.record(event(3));
    await trail.close();

    const rotated = await verifyAuditFile(`${file}.1`);
    const current = await verifyAuditFile(file, { prev: rotated.head });
    assert.equal(current.problem, undefined);
    assert.equal(current.firstSeq, 3);
  });

  it('saves the head before the first line goes into a new file after a rotation', async () => {
    const file = path();
    const first = await openTrail(file);
    await first.record(event(1));
    await rename(file, `${file}.1`);
    await first.reopen();
    // No close: as after a crash, only what reopen() saved is left.
    const second = await openTrail(file);
    await second.record(event(2));
    await second.close();
    await first.close();

    const rotated = await verifyAuditFile(`${file}.1`);
    const current = await verifyAuditFile(file, { prev: rotated.head });
    assert.equal(current.problem, undefined);
    assert.equal(current.firstSeq, 2);
  });

  it('keeps the head in <log>.head with mode 0600', async () => {
    const file = path();
    await writeLines(file, 3);
    const saved = await readSavedHead(headPathOf(file));
    assert.deepEqual(saved, { seq: 3, hash: (await verifyAuditFile(file)).head });
    assert.equal((await stat(headPathOf(file))).mode & 0o777, 0o600);
    assert.match(await readFile(headPathOf(file), 'utf8'), /^\{"seq":3,"hash":"[0-9a-f]{64}"\}\n$/);
  });

  it('prefers the last line of a log that went on past its saved head', async () => {
    const file = path();
    await writeLines(file, 3);
    await saveHead(headPathOf(file), { seq: 1, hash: 'a'.repeat(64) });
    const trail = await openTrail(file);
    assert.equal(trail.head?.seq, 3);
    await trail.close();
  });

  it('refuses a log that ends before its saved head, or at another line of it', async () => {
    const file = path();
    await writeLines(file, 3);
    const headPath = headPathOf(file);
    await saveHead(headPath, { seq: 5, hash: 'b'.repeat(64) });
    await assert.rejects(FileAuditSink.open(file), {
      message:
        `audit log ${file} ends at seq 3 but ${headPath} records seq 5: lines are missing ` +
        'from the end of the log, or it is not the log the head was saved for; check it ' +
        `with audit verify, then delete ${headPath} to go on from the log`,
    });
    await saveHead(headPath, { seq: 3, hash: 'b'.repeat(64) });
    await assert.rejects(FileAuditSink.open(file), /records another line at seq 3: /);

    await rm(headPath);
    const trail = await openTrail(file);
    assert.equal(trail.head?.seq, 3);
    await trail.close();
  });

  it('refuses a head file that holds no head', async () => {
    const file = path();
    await writeFile(headPathOf(file), 'garbage\n');
    await assert.rejects(
      FileAuditSink.open(file),
      new RegExp(`^Error: audit head file ${headPathOf(file)} does not hold a chain head`),
    );
  });

  it('starts a new chain when neither the log nor a head file exists', async () => {
    const file = path();
    const trail = await openTrail(file);
    assert.equal(trail.head, undefined);
    await trail.record(event(1));
    await trail.close();
    assert.equal((await verifyAuditFile(file)).firstSeq, 1);
  });
});
