import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { AuditChain, genesisHash, hashLine } from './audit-chain.js';
import { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import { verifyAuditLog } from './verify-audit-log.js';
import type { VerifyOptions } from './verify-audit-log.js';

const key = new AuditKey(Buffer.alloc(32, 3));

function event(n: number): AuditEvent {
  return {
    route: 'POST /secretstore/:secretStoreName/secrets/:secretName',
    requestId: `request-${n}`,
    federation: 'cluster-a',
    issuer: 'https://issuer.example',
    subject: 'system:serviceaccount:app:app-sa',
    resource: { store: 'main-store', key: `key-${n}` },
    decision: 'allow',
    reason: 'Ok',
    status: 200,
  };
}

/** `count` chained lines (without newlines), continuing from `chain`. */
function lines(count: number, chain = new AuditChain(undefined, (v) => key.digest(v))): string[] {
  const out: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const draft = chain.draft([event(n)], new Date(Date.UTC(2026, 11, 4, 10, 0, n)));
    chain.advance(draft.head);
    out.push(draft.text.trimEnd());
  }
  return out;
}

/** Verifies `text`, delivered in small chunks so that lines straddle chunk borders. */
function verify(text: string, options?: VerifyOptions) {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  return verifyAuditLog(Readable.from(chunks), options);
}

const joined = (list: readonly string[]): string => list.map((line) => `${line}\n`).join('');

describe('verifyAuditLog', () => {
  it('accepts an intact file and reports its seq range and head hash', async () => {
    const file = lines(5);
    const result = await verify(joined(file));
    assert.equal(result.problem, undefined);
    assert.equal(result.lines, 5);
    assert.equal(result.firstSeq, 1);
    assert.equal(result.lastSeq, 5);
    assert.equal(result.firstPrev, genesisHash);
    assert.equal(result.head, hashLine(file[4] ?? ''));
  });

  it('accepts an empty file', async () => {
    const result = await verify('');
    assert.deepEqual(result, { lines: 0 });
  });

  it('detects an altered field, naming the altered line', async () => {
    const file = lines(5);
    file[2] = (file[2] ?? '').replace('"status":200', '"status":404');
    const result = await verify(joined(file));
    assert.equal(result.problem?.kind, 'altered');
    assert.equal(result.problem?.line, 3);
  });

  it('detects a deleted line as missing, with the size of the gap', async () => {
    const file = lines(6);
    file.splice(3, 1);
    const result = await verify(joined(file));
    assert.equal(result.problem?.kind, 'missing');
    assert.equal(result.problem?.line, 4);
    assert.match(result.problem?.message ?? '', /seq jumps from 3 to 5 \(1 line removed/);
  });

  it('detects a swapped pair as reordered', async () => {
    const file = lines(6);
    [file[2], file[3]] = [file[3] ?? '', file[2] ?? ''];
    const result = await verify(joined(file));
    assert.equal(result.problem?.kind, 'reordered');
    assert.equal(result.problem?.line, 3);
    assert.match(result.problem?.message ?? '', /seq 3 is on line 4/);
  });

  it('detects an inserted line, even one whose prev was computed correctly', async () => {
    const file = lines(5);
    const forged = JSON.parse(file[1] ?? '') as Record<string, unknown>;
    forged.subject = 'system:serviceaccount:app:someone-else';
    forged.prev = hashLine(file[1] ?? '');
    forged.seq = 3;
    file.splice(2, 0, JSON.stringify(forged));
    const result = await verify(joined(file));
    assert.equal(result.problem?.kind, 'reordered');
    assert.equal(result.problem?.line, 4);

    const copied = lines(5);
    copied.splice(4, 0, copied[1] ?? '');
    assert.equal((await verify(joined(copied))).problem?.kind, 'reordered');
  });

  it('detects a garbled line, a foreign line and a file cut inside a line', async () => {
    const file = lines(4);
    const garbled = [...file];
    garbled[1] = (garbled[1] ?? '').slice(0, 40);
    assert.deepEqual((await verify(joined(garbled))).problem, {
      kind: 'not-json',
      line: 2,
      message: 'not JSON (garbled, or two lines run together)',
    });

    const foreign = [...file];
    foreign.splice(2, 0, '{"level":30,"msg":"request completed"}');
    assert.equal((await verify(joined(foreign))).problem?.kind, 'not-audit-line');

    const cut = joined(file).slice(0, -25);
    assert.deepEqual((await verify(cut)).problem, {
      kind: 'truncated',
      line: 4,
      message: 'incomplete: the file ends inside this line',
    });
    const noNewline = joined(file).slice(0, -1);
    assert.equal((await verify(noNewline)).problem?.kind, 'truncated');
  });

  it('joins rotated files with prev: the second starts where the first ended', async () => {
    const chain = new AuditChain(undefined, (v) => key.digest(v));
    const first = lines(3, chain);
    const second = lines(2, chain);

    const head = (await verify(joined(first))).head;
    const joinedResult = await verify(joined(second), { prev: head });
    assert.equal(joinedResult.problem, undefined);
    assert.equal(joinedResult.firstSeq, 4);

    const alone = await verify(joined(second));
    assert.equal(alone.problem, undefined);
    assert.equal(alone.firstPrev, head);

    const gap = await verify(joined(second.slice(1)), { prev: head });
    assert.equal(gap.problem?.kind, 'wrong-start');
    assert.equal(gap.problem?.line, 1);
  });

  it('reports a new chain that does not start at seq 1', async () => {
    const file = lines(3);
    const line = JSON.parse(file[0] ?? '') as Record<string, unknown>;
    line.seq = 9;
    const result = await verify(`${JSON.stringify(line)}\n`);
    assert.equal(result.problem?.kind, 'wrong-start');
  });

  it('hands every intact line to onLine with its number and exact text', async () => {
    const file = lines(3);
    const seen: [number, number, string][] = [];
    await verify(joined(file), {
      onLine: (line, number, text) => seen.push([line.seq, number, text]),
    });
    assert.deepEqual(seen, [
      [1, 1, file[0]],
      [2, 2, file[1]],
      [3, 3, file[2]],
    ]);
  });
});
