import { performance } from 'node:perf_hooks';

import { FederationError, isFederationError, type Reason } from '../errors.js';

/** Told how a call ended, `success` or the reason it failed with, and its duration in seconds. */
export type BackendCallObserver = (result: 'success' | Reason, durationSeconds: number) => void;

/**
 * Runs one provider or generator call with a deadline. A `FederationError` passes
 * through; the deadline becomes `BackendTimeout`; anything else becomes `BackendError`
 * with only the error's class name kept, since a backend's own message may echo a
 * secret or a credential. `observe`, when given, learns the outcome (the metrics).
 */
export async function backendCall<T>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  observe?: BackendCallObserver,
): Promise<T> {
  const started = performance.now();
  const elapsedSeconds = (): number => (performance.now() - started) / 1000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new FederationError('BackendTimeout'));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([call(controller.signal), deadline]);
    observe?.('success', elapsedSeconds());
    return result;
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    const failure = isFederationError(error)
      ? error
      : new FederationError('BackendError', undefined, `backend call failed: ${kind}`);
    observe?.(failure.reason, elapsedSeconds());
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}
