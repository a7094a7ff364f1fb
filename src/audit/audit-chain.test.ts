import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { AuditChain, genesisHash, hashLine } from './audit-chain.js';
import type { AuditEvent } from './audit-record.js';

const time = new Date('2026-12-04T10:00:00.000Z');
const pseudonym = (value: string): string => createHash('sha256').update(value).digest('hex');

function event(requestId: string): AuditEvent {
  return {
    route: 'POST /generators/:generatorNamespace/:generatorKind/:generatorName',
    requestId,
    decision: 'deny',
    reason: 'NotFound',
    status: 404,
  };
}

function parsedLines(text: string): { seq: number; prev: string }[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { seq: number; prev: string });
}

describe('AuditChain', () => {
  it('starts a new chain at seq 1 with a prev of 64 zeros, and links each line to the last', () => {
    const chain = new AuditChain(undefined, pseudonym);
    const draft = chain.draft([event('a'), event('b'), event('c')], time);
    const raw = draft.text.trimEnd().split('\n');
    const lines = parsedLines(draft.text);

    assert.equal(genesisHash, '0'.repeat(64));
    assert.deepEqual(
      lines.map((line) => line.seq),
      [1, 2, 3],
    );
    assert.equal(lines[0]?.prev, genesisHash);
    assert.equal(lines[1]?.prev, hashLine(raw[0] ?? ''));
    assert.equal(lines[2]?.prev, hashLine(raw[1] ?? ''));
    assert.deepEqual(draft.head, { seq: 3, hash: hashLine(raw[2] ?? '') });
    assert.ok(draft.text.endsWith('\n'));
  });

  it('moves the head only when a draft is confirmed, so a failed write leaves no gap', () => {
    const chain = new AuditChain(undefined, pseudonym);
    const lost = chain.draft([event('lost')], time);
    assert.equal(chain.head, undefined);

    const kept = chain.draft([event('kept')], time);
    assert.equal(parsedLines(kept.text)[0]?.seq, 1);
    chain.advance(kept.head);
    assert.notEqual(lost.head.hash, kept.head.hash);

    const next = parsedLines(chain.draft([event('next')], time).text)[0];
    assert.equal(next?.seq, 2);
    assert.equal(next?.prev, kept.head.hash);
  });

  it('continues from a head read back from a file', () => {
    const head = { seq: 41, hash: 'b'.repeat(64) };
    const chain = new AuditChain(head, pseudonym);
    const [line] = parsedLines(chain.draft([event('x')], time).text);
    assert.equal(line?.seq, 42);
    assert.equal(line?.prev, head.hash);
  });

  it('hashes the exact bytes of a line', () => {
    const line = '{"audit":"federation-server/v1"}';
    assert.equal(hashLine(line), createHash('sha256').update(line, 'utf8').digest('hex'));
    assert.equal(hashLine(Buffer.from(line)), hashLine(line));
    assert.notEqual(hashLine(`${line} `), hashLine(line));
  });
});
