import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { pino } from 'pino';

import { FederationError } from '../errors.js';
import { openSqliteStateStore, type SqliteStateStore } from './sqlite/sqlite-state-store.js';
import type { GeneratorStateRecord, NewState, StateStore } from './state-store.js';
import { startSweeper, type Sweeper, type SweeperOptions } from './sweeper.js';

const t0 = Date.UTC(2030, 0, 1);
const minute = 60_000;

function newState(name: string, deadlineMs: number): NewState {
  return {
    generator: { namespace: 'team-a', kind: 'VaultDynamicSecret', name },
    generatorSpec: {},
    owner: { federation: 'cluster-a', issuer: 'https://issuer-a.example', subject: 'sa:web' },
    garbageCollectionDeadline: new Date(deadlineMs),
  };
}

describe('startSweeper', () => {
  let root: string;
  let store: SqliteStateStore;
  let logLines: Record<string, unknown>[];
  let sweeper: Sweeper | undefined;

  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );

  function start(revoke: SweeperOptions['revoke'], extra: Partial<SweeperOptions> = {}): Sweeper {
    sweeper = startSweeper({ store, revoke, logger, now: () => t0, ...extra });
    return sweeper;
  }

  async function remainingNames(): Promise<string[]> {
    const records = await store.find({
      generatorNamespace: 'team-a',
      federation: 'cluster-a',
      issuer: 'https://issuer-a.example',
    });
    return records.map((record) => record.generator.name).sort();
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'state-sweeper-'));
    store = openSqliteStateStore(root, { now: () => t0 - minute });
    logLines = [];
  });
  afterEach(async () => {
    await sweeper?.stop();
    sweeper = undefined;
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('revokes expired states, pending ones too, and then removes them', async () => {
    const issued = await store.reserve(newState('issued', t0 - 1));
    await store.complete(issued, { leaseId: 'lease-1' }, new Date(t0 - 1));
    await store.reserve(newState('pending', t0));
    await store.reserve(newState('later', t0 + 1));
    const seen: [string, unknown, number][] = [];
    const revoke = async (record: GeneratorStateRecord): Promise<void> => {
      const stillStored = (await remainingNames()).length;
      seen.push([record.generator.name, record.providerState, stillStored]);
    };

    const removed = await start(revoke).sweepOnce();

    assert.equal(removed, 2);
    assert.deepEqual(seen, [
      ['issued', { leaseId: 'lease-1' }, 3],
      ['pending', undefined, 2],
    ]);
    assert.deepEqual(await remainingNames(), ['later']);
  });

  it('keeps a state whose revocation fails, logs no provider state, and retries it', async () => {
    const id = await store.reserve(newState('flaky', t0 - 1));
    await store.complete(id, { leaseId: 'lease-secret-9' }, new Date(t0 - 1));
    let attempts = 0;
    const sweeper = start(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('vault said: lease lease-secret-9 not found');
    });

    assert.equal(await sweeper.sweepOnce(), 0);
    assert.deepEqual(await remainingNames(), ['flaky']);
    const warning = logLines.find((line) => line.level === 40);
    assert.equal(warning?.stateId, id);
    assert.deepEqual(warning?.generator, {
      namespace: 'team-a',
      kind: 'VaultDynamicSecret',
      name: 'flaky',
    });
    assert.equal(warning?.reason, 'InternalError');
    assert.doesNotMatch(JSON.stringify(logLines), /lease-secret-9/);

    assert.equal(await sweeper.sweepOnce(), 1);
    assert.deepEqual(await remainingNames(), []);
  });

  it('keeps sweeping past failing states that fill a whole batch', async () => {
    for (const name of ['broken-1', 'broken-2', 'broken-3']) {
      await store.reserve(newState(name, t0 - 2 * minute));
    }
    for (const name of ['ok-1', 'ok-2', 'ok-3']) await store.reserve(newState(name, t0 - minute));
    const revoke = async (record: GeneratorStateRecord): Promise<void> => {
      if (record.generator.name.startsWith('broken')) {
        throw new FederationError('BackendError', undefined, 'generator not configured');
      }
    };

    const removed = await start(revoke, { batchSize: 2 }).sweepOnce();

    assert.equal(removed, 3);
    assert.deepEqual(await remainingNames(), ['broken-1', 'broken-2', 'broken-3']);
    const warnings = logLines.filter((line) => line.level === 40);
    assert.equal(warnings.length, 3);
    assert.equal(warnings[0]?.reason, 'BackendError');
    assert.equal(warnings[0]?.detail, 'generator not configured');
  });

  it('joins a running sweep instead of starting a second one', async () => {
    await store.reserve(newState('slow', t0 - 1));
    let release = (): void => {};
    let calls = 0;
    const sweeper = start(async () => {
      calls += 1;
      await new Promise<void>((resolve) => (release = resolve));
    });

    const first = sweeper.sweepOnce();
    const second = sweeper.sweepOnce();
    await delay(10);
    release();

    assert.equal(first, second);
    assert.equal(await first, 1);
    assert.equal(calls, 1);
  });

  it('sweeps on its timer until stopped, and stop waits for the running sweep', async () => {
    await store.reserve(newState('first', t0 - 1));
    let release = (): void => {};
    let calls = 0;
    const sweeper = start(
      async () => {
        calls += 1;
        await new Promise<void>((resolve) => (release = resolve));
      },
      { intervalMs: 5 },
    );
    while (calls === 0) await delay(5);

    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await delay(20);
    assert.equal(stopped, false);
    release();
    await stopping;

    await store.reserve(newState('second', t0 - 1));
    await delay(30);
    assert.equal(calls, 1);
    assert.deepEqual(await remainingNames(), ['second']);
  });

  it('revokes a state as claimed when a generator call completed it after the listing', async () => {
    const id = await store.reserve(newState('racing', t0 - 1));
    let hasCompleted = false;
    const racing: StateStore = {
      reserve: (state) => store.reserve(state),
      complete: (...args) => store.complete(...args),
      find: (filter) => store.find(filter),
      findExpired: async (now, limit) => {
        const listed = await store.findExpired(now, limit);
        if (!hasCompleted) {
          hasCompleted = true;
          await store.complete(id, { leaseId: 'lease-1' }, new Date(t0 - 1));
        }
        return listed;
      },
      claim: (...args) => store.claim(...args),
      release: (stateId) => store.release(stateId),
      remove: (stateId) => store.remove(stateId),
      count: () => store.count(),
      close: () => store.close(),
    };
    const seen: unknown[] = [];
    const revoke = async (record: GeneratorStateRecord): Promise<void> => {
      seen.push(record.providerState);
    };
    sweeper = startSweeper({ store: racing, revoke, logger, now: () => t0 });

    assert.equal(await sweeper.sweepOnce(), 1);

    assert.deepEqual(seen, [{ leaseId: 'lease-1' }]);
  });

  it('rejects an interval or batch size that is not a positive integer', () => {
    const revoke = async (): Promise<void> => {};
    assert.throws(() => startSweeper({ store, revoke, logger, intervalMs: 0 }), RangeError);
    assert.throws(() => startSweeper({ store, revoke, logger, batchSize: 1.5 }), RangeError);
  });
});
