import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError } from '../errors.js';
import { backendCall, ConcurrencyLimit } from './backend-call.js';

/** A promise with its resolve function outside, for a backend that answers when told. */
function gate<T>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

const never = new AbortController().signal;

describe('ConcurrencyLimit', () => {
  it('grants up to max slots at once and queues the rest', async () => {
    const limit = new ConcurrencyLimit(2);
    const first = await limit.acquire(never);
    await limit.acquire(never);
    let isThirdGranted = false;
    const third = limit.acquire(never).then((release) => {
      isThirdGranted = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(limit.active, 2);
    assert.equal(limit.waiting, 1);
    assert.equal(isThirdGranted, false);

    first();
    (await third)();
    assert.equal(isThirdGranted, true);
    assert.equal(limit.active, 1);
    assert.equal(limit.waiting, 0);
  });

  it('hands freed slots to waiters in arrival order', async () => {
    const limit = new ConcurrencyLimit(1);
    const held = await limit.acquire(never);
    const order: string[] = [];
    const a = limit.acquire(never).then((release) => (order.push('a'), release));
    const b = limit.acquire(never).then((release) => (order.push('b'), release));
    held();
    (await a)();
    (await b)();
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(limit.active, 0);
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const limit = new ConcurrencyLimit(1);
    const held = await limit.acquire(never);
    const controller = new AbortController();
    const waiting = limit.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    assert.equal(limit.waiting, 0);
    held();
    assert.equal(limit.active, 0);
  });

  it('ignores a second release of the same slot', async () => {
    const limit = new ConcurrencyLimit(2);
    const release = await limit.acquire(never);
    await limit.acquire(never);
    release();
    release();
    assert.equal(limit.active, 1);
  });

  it('refuses a bound below one', () => {
    assert.throws(() => new ConcurrencyLimit(0), RangeError);
    assert.throws(() => new ConcurrencyLimit(1.5), RangeError);
  });
});

describe('backendCall with a concurrency limit', () => {
  it('makes a call wait while a slow backend holds every slot, then runs it', async () => {
    const limit = new ConcurrencyLimit(1);
    const slow = gate<string>();
    const first = backendCall(5000, () => slow.promise, undefined, limit);
    let hasSecondStarted = false;
    const second = backendCall(
      5000,
      async () => {
        hasSecondStarted = true;
        return 'second';
      },
      undefined,
      limit,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(hasSecondStarted, false);
    assert.equal(limit.waiting, 1);

    slow.open('first');
    assert.equal(await first, 'first');
    assert.equal(await second, 'second');
    assert.equal(limit.active, 0);
  });

  it('fails a call with BackendTimeout when no slot frees within its timeout', async () => {
    const limit = new ConcurrencyLimit(1);
    const slow = gate<string>();
    const first = backendCall(5000, () => slow.promise, undefined, limit);
    const started = Date.now();
    const outcomes: string[] = [];
    await assert.rejects(
      backendCall(
        100,
        async () => 'never runs',
        (result) => outcomes.push(result),
        limit,
      ),
      (error: unknown) => error instanceof FederationError && error.reason === 'BackendTimeout',
    );
    assert.ok(Date.now() - started < 1000);
    assert.deepEqual(outcomes, ['BackendTimeout']);
    assert.equal(limit.waiting, 0);

    slow.open('done');
    await first;
    assert.equal(limit.active, 0);
  });

  it('keeps the slot of a timed-out call until the backend settles', async () => {
    const limit = new ConcurrencyLimit(1);
    const stuck = gate<string>();
    await assert.rejects(
      backendCall(50, () => stuck.promise, undefined, limit),
      (error: unknown) => error instanceof FederationError && error.reason === 'BackendTimeout',
    );
    assert.equal(limit.active, 1);
    stuck.open('late');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(limit.active, 0);
  });

  it('releases the slot of a call that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await assert.rejects(
      backendCall(
        1000,
        async () => {
          throw new TypeError('backend said no: secret=hunter2');
        },
        undefined,
        limit,
      ),
      (error: unknown) =>
        error instanceof FederationError &&
        error.reason === 'BackendError' &&
        !String(error.detail).includes('hunter2'),
    );
    assert.equal(limit.active, 0);
  });
});
