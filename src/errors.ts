/**
 * The catalogue of every reason the HTTP API can answer with (SPEC §3).
 *
 * Reasons are API: add new ones, never rename or reuse one. `docs/errors.md` lists the
 * same table and a test keeps both in step.
 */
export const reasons = {
  BadRequest: { status: 400, message: 'the request is malformed' },
  InvalidBody: { status: 400, message: 'the request body is not a JSON object' },
  InvalidCACert: { status: 400, message: 'ca.crt is not a PEM certificate (or base64 of one)' },
  InvalidPathParameter: { status: 400, message: 'a path parameter is not valid' },
  InvalidRemoteRef: { status: 400, message: 'remoteRef is not valid' },
  TokenMissing: { status: 401, message: 'a bearer token is required' },
  TokenMalformed: { status: 401, message: 'the bearer token is not a signed JWT' },
  UnknownIssuer: { status: 401, message: 'no federation trusts the token issuer' },
  TokenUnverifiable: { status: 401, message: 'the token signature could not be verified' },
  TokenExpired: { status: 401, message: 'the token has expired' },
  TokenNotYetValid: { status: 401, message: 'the token is not valid yet' },
  TokenClaimInvalid: { status: 401, message: 'a token claim is not acceptable' },
  IssuerUnreachable: {
    status: 401,
    message: 'the signing keys of the token issuer are unavailable',
  },
  NotFound: { status: 404, message: 'not found or not permitted' },
  RouteNotFound: { status: 404, message: 'no such route' },
  BodyTooLarge: { status: 413, message: 'the request body is larger than 64 KiB' },
  HeadersTooLarge: {
    status: 431,
    message: 'the request headers are larger than the server accepts',
  },
  RateLimited: { status: 429, message: 'too many requests from this identity; retry later' },
  InternalError: { status: 500, message: 'internal error' },
  StateWriteFailed: { status: 500, message: 'internal error' },
  AuditWriteFailed: { status: 500, message: 'internal error' },
  BackendError: { status: 502, message: 'the secret backend failed' },
  StoreNotReady: { status: 503, message: 'the secret store is not ready' },
  BackendTimeout: { status: 504, message: 'the secret backend timed out' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable reason code of the HTTP API. */
export type Reason = keyof typeof reasons;

/**
 * An error that maps to one catalogue reason. `detail` is for the log only and must not
 * carry a token, a secret value or a backend's own message that could hold either.
 */
export class FederationError extends Error {
  readonly reason: Reason;
  readonly status: number;
  readonly detail: string | undefined;
  /** Seconds the client should wait, sent as `Retry-After` (429 only). */
  retryAfterSec?: number;

  constructor(reason: Reason, message?: string, detail?: string) {
    const entry = reasons[reason];
    super(message ?? entry.message);
    this.name = 'FederationError';
    this.reason = reason;
    this.status = entry.status;
    this.detail = detail;
  }

  /** The body sent to the client: the message only below 500, the generic one above. */
  toBody(): { message: string; reason: Reason } {
    const message = this.status >= 500 ? reasons[this.reason].message : this.message;
    return { message, reason: this.reason };
  }
}

export function isFederationError(value: unknown): value is FederationError {
  return value instanceof FederationError;
}
