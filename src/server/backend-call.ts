import { FederationError, isFederationError } from '../errors.js';

/**
 * Runs one provider or generator call with a deadline. A `FederationError` passes
 * through; the deadline becomes `BackendTimeout`; anything else becomes `BackendError`
 * with only the error's class name kept, since a backend's own message may echo a
 * secret or a credential.
 */
export async function backendCall<T>(
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new FederationError('BackendTimeout'));
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), deadline]);
  } catch (error) {
    if (isFederationError(error)) throw error;
    const kind = error instanceof Error ? error.name : typeof error;
    throw new FederationError('BackendError', undefined, `backend call failed: ${kind}`);
  } finally {
    clearTimeout(timer);
  }
}
