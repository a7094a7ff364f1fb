import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError, isFederationError } from '../errors.js';
import { ReopeningStateStore } from './reopening-state-store.js';
import type { StateStore } from './state-store.js';

function recordingLogger() {
  const lines: { level: string; message: string; object: object }[] = [];
  return {
    lines,
    info: (object: object, message: string) => lines.push({ level: 'info', message, object }),
    error: (object: object, message: string) => lines.push({ level: 'error', message, object }),
  };
}

const workingStore = (): StateStore => ({
  reserve: async () => 'id-1',
  complete: async () => undefined,
  find: async () => [],
  findExpired: async () => [],
  remove: async () => true,
  claim: async () => undefined,
  release: async () => undefined,
  count: async () => 7,
  close: async () => undefined,
});

const isStateWriteFailed = (error: unknown) =>
  isFederationError(error) && error.reason === 'StateWriteFailed';

describe('ReopeningStateStore', () => {
  it('fails every call with StateWriteFailed while the database cannot be opened', async () => {
    const logger = recordingLogger();
    const store = new ReopeningStateStore({
      open: () => {
        throw new FederationError('StateWriteFailed', undefined, 'open failed (SQLITE_READONLY)');
      },
      logger,
    });
    assert.equal(store.isOpen, false);
    await assert.rejects(store.count(), isStateWriteFailed);
    await assert.rejects(
      store.find({ generatorNamespace: 'gen', federation: 'f', issuer: 'x' }),
      isStateWriteFailed,
    );
    assert.equal(logger.lines.filter((line) => line.level === 'error').length, 1);
    assert.match(JSON.stringify(logger.lines[0]?.object), /SQLITE_READONLY/);
  });

  it('opens again once the retry interval has passed, and says so', async () => {
    const logger = recordingLogger();
    let clock = 0;
    let isBroken = true;
    let opens = 0;
    const store = new ReopeningStateStore({
      open: () => {
        opens += 1;
        if (isBroken) throw new FederationError('StateWriteFailed', undefined, 'locked');
        return workingStore();
      },
      logger,
      retryMs: 1000,
      now: () => clock,
    });
    isBroken = false;
    await assert.rejects(store.count(), isStateWriteFailed);
    assert.equal(opens, 1, 'no new attempt inside the retry interval');

    clock = 1000;
    assert.equal(await store.count(), 7);
    assert.equal(store.isOpen, true);
    assert.equal(opens, 2);
    assert.deepEqual(
      logger.lines.map((line) => line.message),
      [
        'state database unavailable: generator calls fail until it opens',
        'state database open again',
      ],
    );
  });

  it('passes calls straight to a store that opened at once', async () => {
    const store = new ReopeningStateStore({ open: workingStore, logger: recordingLogger() });
    assert.equal(await store.reserve({} as never), 'id-1');
    await store.close();
  });
});
