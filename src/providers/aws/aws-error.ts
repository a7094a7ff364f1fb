import { FederationError, isFederationError } from '../../errors.js';

/** AWS error names meaning the secret, parameter or version does not exist. */
const notFoundNames = new Set([
  'ResourceNotFoundException',
  'ParameterNotFound',
  'ParameterVersionNotFound',
]);

/** Error names of a call that gave up waiting (the SDK's own timeouts, or our signal). */
const timeoutNames = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

/** The parts of an SDK error worth reading; everything else may carry request data. */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * A name that can go into a log: an AWS error code is letters and digits, but the name of
 * an unmodelled error comes from the answer itself, so anything else is dropped.
 */
function safeName(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(value) ? value : 'unknown';
}

/**
 * Turns whatever an AWS SDK call threw into a `FederationError`, keeping only the error
 * name and HTTP status as detail: SDK errors carry request ids and sometimes the request's
 * parameters, and a backend's message never reaches a client or a log.
 *
 * - missing secret, parameter or version: `NotFound`;
 * - timeouts and aborts: `BackendTimeout`;
 * - everything else (access denied, unknown key, bad signature, expired token, throttling,
 *   5xx, network failures): `BackendError` with the generic message.
 */
export function mapAwsError(error: unknown, operation: string): FederationError {
  if (isFederationError(error)) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = safeName(shape.name);
  const status = shape.$metadata?.httpStatusCode;
  const code = typeof shape.code === 'string' ? safeName(shape.code) : undefined;
  const detail = [
    `AWS ${operation} failed: ${name}`,
    typeof status === 'number' ? ` (HTTP ${status})` : '',
    code !== undefined && code !== name ? ` ${code}` : '',
  ].join('');

  if (notFoundNames.has(name)) return new FederationError('NotFound', undefined, detail);
  if (timeoutNames.has(name)) return new FederationError('BackendTimeout', undefined, detail);
  return new FederationError('BackendError', undefined, detail);
}
