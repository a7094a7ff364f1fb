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
import type { FileHandle } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as drained } from 'node:timers/promises';
import { promisify } from 'node:util';

import { hashLine } from './audit-chain.js';
import { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import { AuditTrail } from './audit-trail.js';
import { FileAuditSink } from './file-sink.js';
import type { FileAuditIo, FileAuditSinkOptions } from './file-sink.js';
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

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/**
 * Writes like a process under `ulimit -f`: bytes beyond `limit` are refused with EFBIG,
 * after the part that fits was written.
 */
class LimitedIo implements FileAuditIo {
  limit = Number.POSITIVE_INFINITY;
  truncateFails?: (handle: FileHandle) => Promise<void>;

  async write(handle: FileHandle, bytes: Buffer, offset: number, length: number) {
    const room = this.limit - (await handle.stat()).size;
    if (room <= 0) throw errno('EFBIG');
    return (await handle.write(bytes, offset, Math.min(length, room))).bytesWritten;
  }

  async truncate(handle: FileHandle, size: number) {
    if (this.truncateFails) await this.truncateFails(handle);
    await handle.truncate(size);
  }
}

/** Records `count` lines at once: the first goes out alone, the others in one write. */
async function recordMany(trail: AuditTrail, from: number, count: number): Promise<string[]> {
  await drained();
  const results = [];
  for (let i = from; i < from + count; i += 1) {
    results.push(
      trail.record(event(i)).then(
        () => 'ok',
        (error: Error) => error.message,
      ),
    );
  }
  return Promise.all(results);
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

  it('cuts a failed write off the file: none of its lines remain and no seq is used twice', async () => {
    const file = path();
    const io = new LimitedIo();
    const trail = await openTrail(file, { io });
    await trail.record(event(1));
    await trail.record(event(2));
    const lineBytes = (await stat(file)).size / 2;

    // Room for the next line alone, then for one and a half lines of the batch after it.
    io.limit = Math.floor(4.5 * lineBytes);
    const results = await recordMany(trail, 3, 4);
    assert.equal(results[0], 'ok');
    for (const result of results.slice(1)) {
      assert.equal(result, `cannot write audit log ${file}: EFBIG`);
    }
    assert.equal(trail.head?.seq, 3);
    assert.deepEqual(await seqs(file), [1, 2, 3]);

    io.limit = Number.POSITIVE_INFINITY;
    await trail.record(event(7));
    await trail.close();
    assert.deepEqual(await seqs(file), [1, 2, 3, 4]);
    const reqIds = (await readFile(file, 'utf8')).trimEnd().split('\n');
    for (const n of [4, 5, 6]) {
      assert.ok(!reqIds.some((line) => line.includes(key.digest(`request-${n}`))));
    }
    assert.equal((await verifyAuditFile(file)).problem, undefined);
  });

  it('goes on after the last whole line when a failed write cannot be cut off', async () => {
    const file = path();
    const io = new LimitedIo();
    const trail = await openTrail(file, { io });
    await trail.record(event(1));
    const lineBytes = (await stat(file)).size;

    io.limit = Math.floor(3.5 * lineBytes);
    io.truncateFails = async () => {
      throw errno('EIO');
    };
    const results = await recordMany(trail, 2, 4);
    assert.equal(results[0], 'ok');
    assert.match(results[1] ?? '', /: EFBIG; lines of it may remain \(not cut off: EIO\)$/);
    // The file holds seq 3 of the failed write: the chain goes on after it, not at 3 again.
    assert.equal(trail.head?.seq, 3);

    io.limit = Number.POSITIVE_INFINITY;
    await trail.record(event(6));
    await trail.close();
    const rows = (await readFile(file, 'utf8')).trimEnd().split('\n');
    assert.equal(rows.length, 5);
    assert.throws(() => JSON.parse(rows[3] ?? ''), SyntaxError, 'the torn line, ended');
    const last = JSON.parse(rows[4] ?? '') as { seq: number; prev: string };
    assert.equal(last.seq, 4);
    assert.equal(last.prev, hashLine(rows[2] ?? ''));
    const result = await verifyAuditFile(file);
    assert.deepEqual([result.problem?.kind, result.problem?.line], ['not-json', 4]);
  });

  it('refuses writes after a failed write until the end of the file is read back', async () => {
    const file = path();
    const io = new LimitedIo();
    const trail = await openTrail(file, { io });
    await trail.record(event(1));
    const lineBytes = (await stat(file)).size;

    // The handle breaks along with the truncate, so the end cannot be read back through it.
    io.limit = Math.floor(3.5 * lineBytes);
    io.truncateFails = async (handle) => {
      await handle.close();
      throw errno('EIO');
    };
    const results = await recordMany(trail, 2, 4);
    assert.match(results[1] ?? '', /\(not cut off: EIO; not read back yet\)$/);
    assert.equal(trail.head?.seq, 2);

    // The next write reads the end back through a new handle; its lines were drafted
    // against seq 2, so it is refused, and the chain goes on after seq 3.
    io.limit = Number.POSITIVE_INFINITY;
    io.truncateFails = undefined;
    await assert.rejects(trail.record(event(6)), /holds lines of an earlier failed write/);
    assert.equal(trail.head?.seq, 3);
    await trail.record(event(7));
    await trail.close();
    const rows = (await readFile(file, 'utf8')).trimEnd().split('\n');
    assert.equal((JSON.parse(rows.at(-1) ?? '') as { seq: number }).seq, 4);
  });

  it('reads the end back on reopen() after a failed write that left lines behind', async () => {
    const file = path();
    const io = new LimitedIo();
    const trail = await openTrail(file, { io });
    await trail.record(event(1));
    const lineBytes = (await stat(file)).size;

    io.limit = Math.floor(4.5 * lineBytes);
    io.truncateFails = async (handle) => {
      await handle.close();
      throw errno('EIO');
    };
    await recordMany(trail, 2, 4);
    io.limit = Number.POSITIVE_INFINITY;
    io.truncateFails = undefined;
    await trail.reopen();
    assert.equal(trail.head?.seq, 4);
    await trail.record(event(6));
    await trail.close();
    const rows = (await readFile(file, 'utf8')).trimEnd().split('\n');
    assert.equal((JSON.parse(rows.at(-1) ?? '') as { seq: number }).seq, 5);
  });

  it('leaves nothing of a write that fails under a real file size limit (ulimit -f)', async () => {
    const file = path();
    const sinkModule = new URL('./file-sink.js', import.meta.url).href;
    const trailModule = new URL('./audit-trail.js', import.meta.url).href;
    const keyModule = new URL('./audit-key.js', import.meta.url).href;
    // 40 lines of about 450 bytes each do not fit in 8 blocks of 512 bytes.
    const script = `
      const { FileAuditSink } = await import(${JSON.stringify(sinkModule)});
      const { AuditTrail } = await import(${JSON.stringify(trailModule)});
      const { AuditKey } = await import(${JSON.stringify(keyModule)});
      const event = ${JSON.stringify(event(0))};
      const sink = await FileAuditSink.open(${JSON.stringify(file)});
      const trail = new AuditTrail({ sink, key: new AuditKey(Buffer.alloc(32, 5)) });
      await trail.record(event);
      await new Promise((resolve) => setImmediate(resolve));
      const results = await Promise.all(Array.from({ length: 40 }, () =>
        trail.record(event).then(() => 'ok', (error) => error.message)));
      await trail.record(event);
      await trail.close();
      console.log(JSON.stringify(results));
    `;
    const { stdout } = await promisify(execFile)('/bin/sh', [
      '-c',
      'ulimit -f 8 && exec "$0" --input-type=module -e "$1"',
      process.execPath,
      script,
    ]);
    const results = JSON.parse(stdout) as string[];
    assert.equal(results[0], 'ok');
    assert.ok(
      results.slice(1).every((result) => result.endsWith(': EFBIG')),
      stdout,
    );

    assert.deepEqual(await seqs(file), [1, 2, 3]);
    const again = await openTrail(file);
    await again.record(event(1));
    await again.close();
    assert.deepEqual(await seqs(file), [1, 2, 3, 4]);
    assert.equal((await verifyAuditFile(file)).problem, undefined);
  });
});
