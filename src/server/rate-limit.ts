/** Settings of the per-identity rate limit. */
export interface RateLimitOptions {
  /** Requests per second each identity earns; 0 turns the limit off. */
  ratePerSecond: number;
  /**
   * Requests an identity may make at once from a full allowance: one service account may
   * back a thousand pods that all start together, so this is generous by default.
   */
  burst: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Identities tracked at most; beyond it, the longest idle are forgotten. Default 100000. */
  maxIdentities?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** What a request costs: allowed, or how long to wait before the next one is. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/**
 * A token bucket per identity (issuer + subject): `burst` requests at once, refilled at
 * `ratePerSecond`. Forgetting an idle identity only gives it a full allowance again, which
 * it would have earned by waiting anyway.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #maxIdentities: number;

  constructor(options: RateLimitOptions) {
    this.#rate = options.ratePerSecond;
    this.#burst = Math.max(1, options.burst);
    this.#now = options.now ?? Date.now;
    this.#maxIdentities = options.maxIdentities ?? 100_000;
  }

  get isEnabled(): boolean {
    return this.#rate > 0;
  }

  take(issuer: string, subject: string): RateDecision {
    if (!this.isEnabled) return { allowed: true };
    const key = `${issuer}\u0000${subject}`;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, updatedAt: now };
    const refilled = Math.min(
      this.#burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate,
    );

    // Re-inserted on every use, so the map's first entries are the longest idle.
    this.#buckets.delete(key);
    if (refilled < 1) {
      this.#buckets.set(key, { tokens: refilled, updatedAt: now });
      return { allowed: false, retryAfterSec: Math.ceil((1 - refilled) / this.#rate) };
    }
    this.#buckets.set(key, { tokens: refilled - 1, updatedAt: now });
    this.#forgetIdle();
    return { allowed: true };
  }

  #forgetIdle(): void {
    while (this.#buckets.size > this.#maxIdentities) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) return;
      this.#buckets.delete(oldest);
    }
  }
}
