import { performance } from 'node:perf_hooks';

import { FederationError, isFederationError, type Reason } from '../errors.js';

/** Told how a call ended, `success` or the reason it failed with, and its duration in seconds. */
export type BackendCallObserver = (result: 'success' | Reason, durationSeconds: number) => void;

/**
 * A counting semaphore: at most `max` holders at once; the others wait in arrival order
 * until a slot frees or their signal aborts.
 */
export class ConcurrencyLimit {
  #active = 0;
  readonly #waiting = new Set<() => void>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  /** Slots in use. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** A `release` function when a slot is free now; `undefined` when every slot is held. */
  tryAcquire(): (() => void) | undefined {
    if (this.#active >= this.max) return undefined;
    this.#active += 1;
    return this.#releaser();
  }

  /**
   * Resolves with a `release` function once a slot is held; rejects with the signal's
   * reason if it aborts first. Call `release` exactly once; further calls do nothing.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const free = this.tryAcquire();
    if (free !== undefined) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      const onAbort = (): void => {
        this.#waiting.delete(grant);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(grant);
    });
  }

  #releaser(): () => void {
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      // The slot passes straight to the longest waiter, if any.
      const next = this.#waiting.values().next();
      if (next.done) {
        this.#active -= 1;
        return;
      }
      this.#waiting.delete(next.value);
      next.value();
    };
  }
}

/** Default of `--max-concurrent-backend-calls`. */
export const defaultMaxConcurrentBackendCalls = 64;

let backendCallLimit = new ConcurrencyLimit(defaultMaxConcurrentBackendCalls);

/**
 * Sets how many provider and generator calls may run at once in this process (one hub per
 * process). Calls beyond it wait for a slot within their own deadline. Set it at start:
 * calls already holding or waiting for a slot keep the limit they started with.
 */
export function setMaxConcurrentBackendCalls(max: number): void {
  backendCallLimit = new ConcurrencyLimit(max);
}

/**
 * What a backend call is given: its abort signal, created only when the call (or a wait
 * for a slot) reads it, so that a call that never looks at it costs no AbortController.
 * Pass it on as the options of a provider or generator method.
 */
export interface BackendCallOptions {
  readonly signal: AbortSignal;
}

/** Creates the AbortController on first use; aborting before that marks it pre-aborted. */
class LazyAbort implements BackendCallOptions {
  #controller: AbortController | undefined;
  #isAborted = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#isAborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#isAborted = true;
    this.#controller?.abort();
  }
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/**
 * Runs one provider or generator call with a deadline. The call first waits for a slot of
 * the process-wide limit (see `setMaxConcurrentBackendCalls`), so that a slow backend
 * cannot pile up unbounded work; the wait counts against the same deadline, and a slot is
 * held until the call settles. A `FederationError` passes through; the deadline becomes
 * `BackendTimeout`; anything else becomes `BackendError` with only the error's class name
 * kept, since a backend's own message may echo a secret or a credential. `observe`, when
 * given, learns the outcome (the metrics).
 */
export async function backendCall<T>(
  timeoutMs: number,
  call: (options: BackendCallOptions) => Promise<T>,
  observe?: BackendCallObserver,
  limit: ConcurrencyLimit = backendCallLimit,
): Promise<T> {
  const started = performance.now();
  const abort = new LazyAbort();
  // Whatever waits now (for a slot, then for the backend) learns of the deadline here.
  let onDeadline: (error: FederationError) => void = () => undefined;
  let expired: FederationError | undefined;
  let isRunning = false;
  const timer = setTimeout(() => {
    const detail = isRunning ? undefined : 'no backend call slot came free before the deadline';
    expired = new FederationError('BackendTimeout', undefined, detail);
    // Rejected before the abort, so that the wait settles with the timeout and not with
    // the abort error of whatever was waiting on the signal.
    onDeadline(expired);
    abort.abort();
  }, timeoutMs);
  try {
    // A free slot is taken at once, without an abort signal for a wait that never happens.
    const release =
      limit.tryAcquire() ??
      (await new Promise<() => void>((resolve, reject) => {
        onDeadline = reject;
        limit.acquire(abort.signal).then(resolve, reject);
      }));
    if (expired !== undefined) {
      release();
      throw expired;
    }
    isRunning = true;
    const result = await new Promise<T>((resolve, reject) => {
      onDeadline = reject;
      let running: Promise<T>;
      try {
        running = call(abort);
      } catch (error) {
        running = Promise.reject(error);
      }
      // The slot is held until the backend settles, even when the deadline came first.
      running.then(
        (value) => {
          release();
          resolve(value);
        },
        (error: unknown) => {
          release();
          reject(error);
        },
      );
    });
    observe?.('success', secondsSince(started));
    return result;
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    const failure = isFederationError(error)
      ? error
      : new FederationError('BackendError', undefined, `backend call failed: ${kind}`);
    observe?.(failure.reason, secondsSince(started));
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}
