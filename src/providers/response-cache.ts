import type { ProviderCallOptions, RemoteRef, SecretProvider } from './provider.js';

/** Settings of a store's response cache (opt-in, per ClusterSecretStore). */
export interface ResponseCacheOptions {
  /** How long a value is served from memory, in milliseconds. */
  ttlMs: number;
  /** Most distinct reads remembered; the oldest are dropped first. Default 1000. */
  maxEntries?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/** Counters of one cache, read by the metrics. */
export interface ResponseCacheStats {
  hits: number;
  misses: number;
  /** Reads that joined a backend call already under way instead of making their own. */
  joined: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

function refKey(ref: RemoteRef): string {
  return JSON.stringify([
    ref.key,
    ref.property ?? null,
    ref.version ?? null,
    ref.decodingStrategy ?? 'None',
    ref.metadataPolicy ?? 'None',
  ]);
}

/**
 * Wraps a store's provider so that a value read once is served from memory for the TTL, and
 * identical reads arriving together make one backend call. Only successful reads are kept.
 * The route authorizes before it calls the provider, so a cached value never reaches a
 * caller the store is not granted to.
 */
export class ResponseCache implements SecretProvider {
  readonly stats: ResponseCacheStats = { hits: 0, misses: 0, joined: 0 };
  readonly #inner: SecretProvider;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(inner: SecretProvider, options: ResponseCacheOptions) {
    this.#inner = inner;
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  async getSecret(ref: RemoteRef, options?: ProviderCallOptions): Promise<string> {
    const key = refKey(ref);
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > this.#now()) {
      this.stats.hits += 1;
      return entry.value;
    }
    const running = this.#inflight.get(key);
    if (running) {
      this.stats.joined += 1;
      return running;
    }

    this.stats.misses += 1;
    const call = this.#inner.getSecret(ref, options).then((value) => {
      this.#remember(key, value);
      return value;
    });
    this.#inflight.set(key, call);
    const clear = (): void => {
      this.#inflight.delete(key);
    };
    call.then(clear, clear);
    return call;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    await this.#inner.close?.();
  }

  #remember(key: string, value: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
