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

/** One backend read under way, shared by every caller that asked for it meanwhile. */
interface Flight {
  promise: Promise<string>;
  /** Aborts the backend read; only once every caller with a deadline has given up. */
  controller: AbortController;
  /** Callers still waiting that may give up (those with a signal). */
  abandonable: number;
  /** A caller without a signal waits for good: the read is never aborted. */
  isHeld: boolean;
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
  readonly #inflight = new Map<string, Flight>();
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
    let flight = this.#inflight.get(key);
    if (flight) {
      this.stats.joined += 1;
    } else {
      this.stats.misses += 1;
      const controller = new AbortController();
      const promise = this.#inner.getSecret(ref, { signal: controller.signal }).then((value) => {
        this.#remember(key, value);
        return value;
      });
      flight = { promise, controller, abandonable: 0, isHeld: false };
      this.#inflight.set(key, flight);
      const clear = (): void => {
        this.#inflight.delete(key);
      };
      promise.then(clear, clear);
    }
    return waitFor(flight, options?.signal);
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

/**
 * One caller's wait for a shared read: it ends at the caller's own deadline, not at the
 * deadline of whoever started the read; the read itself is aborted only when no caller
 * is left waiting for it.
 */
function waitFor(flight: Flight, signal: AbortSignal | undefined): Promise<string> {
  if (signal === undefined) {
    flight.isHeld = true;
    return flight.promise;
  }
  flight.abandonable += 1;
  return new Promise<string>((resolve, reject) => {
    const giveUp = (): void => {
      flight.abandonable -= 1;
      if (flight.abandonable === 0 && !flight.isHeld) flight.controller.abort(signal.reason);
      reject(signal.reason);
    };
    if (signal.aborted) {
      giveUp();
      return;
    }
    signal.addEventListener('abort', giveUp, { once: true });
    flight.promise.then(
      (value) => {
        signal.removeEventListener('abort', giveUp);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', giveUp);
        reject(error);
      },
    );
  });
}
