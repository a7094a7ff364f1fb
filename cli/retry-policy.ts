/** How often and how patiently a request is tried again. */
export interface RetryPolicy {
  /** Extra attempts after the first; default 4. */
  readonly retries: number;
  /** Milliseconds before the first retry, doubled for each next one; default 250. */
  readonly initialDelayMs: number;
  /** Milliseconds; no delay is longer, `Retry-After` included; default 5000. */
  readonly maxDelayMs: number;
}

/** How one attempt ended, as far as retrying is concerned. */
export type AttemptOutcome =
  | { readonly kind: 'network' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string };

/**
 * Whether an outcome is worth another attempt: connection errors, timeouts, 5xx and 429.
 * Any other 4xx is an answer (a refused token stays refused).
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'network') return true;
  return outcome.status === 429 || outcome.status >= 500;
}

/**
 * The backoff before retry number `retryIndex` (0 for the first retry): the exponential
 * step capped at the maximum, of which a random upper half is used so that a thousand
 * pods started at once do not retry in step. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number,
): number {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retryIndex);
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * Milliseconds asked for by a `Retry-After` header (RFC 9110 §10.2.3: seconds or an HTTP
 * date), or `undefined` when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The delay before the next attempt, or `undefined` when there is none: the outcome is
 * final, or `attempts` (made so far, at least 1) already used every retry.
 */
export function nextRetryDelay(
  attempts: number,
  outcome: AttemptOutcome,
  policy: RetryPolicy,
  random: () => number,
  nowMs: number,
): number | undefined {
  if (!isRetryable(outcome) || attempts > policy.retries) return undefined;

  const asked = outcome.kind === 'status' ? retryAfterMs(outcome.retryAfter, nowMs) : undefined;
  if (asked !== undefined) return Math.min(policy.maxDelayMs, asked);
  return backoffDelay(attempts - 1, policy, random);
}
