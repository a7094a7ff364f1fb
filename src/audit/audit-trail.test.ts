import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { genesisHash, hashLine } from './audit-chain.js';
import type { ChainHead } from './audit-chain.js';
import { AuditKey } from './audit-key.js';
import type { AuditEvent } from './audit-record.js';
import type { AuditSink } from './audit-sink.js';
import { AuditTrail } from './audit-trail.js';
import { verifyAuditLog } from './verify-audit-log.js';

const key = new AuditKey(Buffer.alloc(32, 9));

function event(requestId: string): AuditEvent {
  return {
    route: 'POST /generators/:generatorNamespace/revoke',
    requestId,
    decision: 'deny',
    reason: 'NotFound',
    status: 404,
  };
}

/** A sink in memory whose writes wait until released, and fail when told to. */
class MemorySink implements AuditSink {
  readonly description = 'memory';
  readonly writes: string[] = [];
  failNext = false;
  #gate: Promise<void> = Promise.resolve();
  #open: () => void = () => undefined;

  constructor(readonly resumeFrom: ChainHead | undefined = undefined) {}

  hold(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open();
  }

  async write(text: string): Promise<void> {
    await this.#gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.writes.push(text);
  }

  async reopen(): Promise<void> {}
  async close(): Promise<void> {}

  get text(): string {
    return this.writes.join('');
  }
}

describe('AuditTrail', () => {
  it('writes lines in the order they were recorded, batching those that wait', async () => {
    const sink = new MemorySink();
    const observed: [string, number][] = [];
    const trail = new AuditTrail({ sink, key, observe: (r, n) => observed.push([r, n]) });

    sink.hold();
    const first = trail.record(event('r1'));
    const waiting = ['r2', 'r3', 'r4'].map((id) => trail.record(event(id)));
    sink.release();
    await Promise.all([first, ...waiting]);

    assert.equal(sink.writes.length, 2);
    assert.deepEqual(observed, [
      ['written', 1],
      ['written', 3],
    ]);
    const reqIds = sink.text
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { reqId: string }).reqId);
    assert.deepEqual(
      reqIds,
      ['r1', 'r2', 'r3', 'r4'].map((id) => key.digest(id)),
    );
    assert.equal(
      (await verifyAuditLog(Readable.from([Buffer.from(sink.text)]))).problem,
      undefined,
    );
  });

  it('rejects every line of a failed write and leaves no gap in the chain', async () => {
    const sink = new MemorySink();
    const observed: [string, number][] = [];
    const trail = new AuditTrail({ sink, key, observe: (r, n) => observed.push([r, n]) });
    await trail.record(event('kept-1'));

    sink.failNext = true;
    await assert.rejects(trail.record(event('lost')), /disk full/);
    await trail.record(event('kept-2'));

    const lines = sink.text.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    const second = JSON.parse(lines[1] ?? '') as { seq: number; prev: string };
    assert.equal(second.seq, 2);
    assert.equal(second.prev, hashLine(lines[0] ?? ''));
    assert.deepEqual(observed, [
      ['written', 1],
      ['failed', 1],
      ['written', 1],
    ]);
  });

  it('continues the chain the sink read back, or starts one', async () => {
    const resumed = new AuditTrail({
      sink: new MemorySink({ seq: 10, hash: 'c'.repeat(64) }),
      key,
    });
    assert.deepEqual(resumed.head, { seq: 10, hash: 'c'.repeat(64) });

    const sink = new MemorySink();
    const fresh = new AuditTrail({ sink, key });
    await fresh.record(event('a'));
    assert.equal((JSON.parse(sink.text) as { prev: string }).prev, genesisHash);
  });

  it('writes what is queued before closing, and refuses lines afterwards', async () => {
    const sink = new MemorySink();
    const trail = new AuditTrail({ sink, key });
    sink.hold();
    const pending = trail.record(event('last'));
    const closed = trail.close();
    sink.release();
    await pending;
    await closed;
    assert.equal(sink.writes.length, 1);
    await assert.rejects(trail.record(event('late')), /closed/);
  });
});
