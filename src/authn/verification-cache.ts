import { hash } from 'node:crypto';

import type { Federation } from '../resources/model.js';
import type { Identity } from './identity.js';
import type { KeySnapshot } from './remote-key-set.js';

/** A verification that may be reused for the same token. */
export interface CachedVerification {
  identity: Identity;
  /** The federation settings it was checked against; a reload that changes them ends reuse. */
  federation: Federation;
  /** The keys it was verified with; reuse ends when the federation's keys change. */
  snapshot: KeySnapshot;
  /** Milliseconds since the epoch, on the authenticator's clock. */
  validUntil: number;
}

export interface VerificationCacheOptions {
  /** Longest reuse of one verification, in milliseconds; default 30000. 0 turns it off. */
  ttlMs?: number;
  /** Most tokens remembered; the oldest are dropped first. Default 10000. */
  maxEntries?: number;
}

/**
 * Successful token verifications, keyed by the SHA-256 of the whole token, so a token seen
 * again within seconds skips the signature check. Only successes are stored: no request
 * can make another one fail, and a different token (even one byte) is a different key. An
 * entry lives until the earlier of the token's `exp` and the TTL.
 */
export class VerificationCache {
  readonly #entries = new Map<string, CachedVerification>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(options: VerificationCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** The entry for `key` when it is still within its lifetime at `now`. */
  get(key: string, now: number): CachedVerification | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.validUntil <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, verification: Omit<CachedVerification, 'validUntil'>, now: number): void {
    if (this.#ttlMs <= 0) return;
    const validUntil = Math.min(verification.identity.expiresAt * 1000, now + this.#ttlMs);
    if (validUntil <= now) return;
    this.#entries.delete(key);
    this.#entries.set(key, { ...verification, validUntil });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
