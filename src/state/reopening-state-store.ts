import { FederationError, isFederationError } from '../errors.js';
import type { GeneratorStateRecord, NewState, StateFilter, StateStore } from './state-store.js';

/** The part of the server's logger this store uses. */
export interface StateLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Options of {@link ReopeningStateStore}. */
export interface ReopeningStateStoreOptions {
  /** Opens the real store; throws when it cannot (read-only, locked, missing directory). */
  open: () => StateStore;
  logger: StateLogger;
  /** Least time between two attempts to open; ms, default 5000. */
  retryMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
}

/**
 * A state store that stays usable while its database cannot be opened: every call then
 * fails with `StateWriteFailed` (so generators hand nothing out, and secret reads go on),
 * and the next call after `retryMs` tries to open it again. A server whose data directory
 * is read-only or locked by a process still shutting down keeps serving secrets, and
 * issues credentials again once the fault clears, without a restart.
 */
export class ReopeningStateStore implements StateStore {
  readonly #open: () => StateStore;
  readonly #logger: StateLogger;
  readonly #retryMs: number;
  readonly #now: () => number;
  #store: StateStore | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastDetail: string | undefined;
  #isClosed = false;

  constructor(options: ReopeningStateStoreOptions) {
    this.#open = options.open;
    this.#logger = options.logger;
    this.#retryMs = options.retryMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#tryOpen();
  }

  /** Whether the database is open now. */
  get isOpen(): boolean {
    return this.#store !== undefined;
  }

  reserve(state: NewState): Promise<string> {
    return this.#current().reserve(state);
  }

  complete(id: string, providerState: unknown, deadline: Date): Promise<void> {
    return this.#current().complete(id, providerState, deadline);
  }

  find(filter: StateFilter): Promise<GeneratorStateRecord[]> {
    return this.#current().find(filter);
  }

  findExpired(now: Date, limit: number): Promise<GeneratorStateRecord[]> {
    return this.#current().findExpired(now, limit);
  }

  claim(id: string, holdMs: number): Promise<GeneratorStateRecord | undefined> {
    return this.#current().claim(id, holdMs);
  }

  release(id: string): Promise<void> {
    return this.#current().release(id);
  }

  remove(id: string): Promise<boolean> {
    return this.#current().remove(id);
  }

  count(): Promise<number> {
    return this.#current().count();
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    await this.#store?.close();
  }

  /** The open store; throws `StateWriteFailed` (synchronously caught by callers' awaits). */
  #current(): StateStore {
    if (this.#store === undefined && !this.#isClosed) this.#tryOpen();
    if (this.#store !== undefined) return this.#store;
    return unavailable;
  }

  #tryOpen(): void {
    const now = this.#now();
    if (now - this.#lastAttempt < this.#retryMs) return;
    this.#lastAttempt = now;
    try {
      this.#store = this.#open();
      if (this.#lastDetail !== undefined) this.#logger.info({}, 'state database open again');
      this.#lastDetail = undefined;
    } catch (error) {
      const detail = isFederationError(error) ? error.detail : 'open failed';
      // One error line per new cause, not one per retry.
      if (detail !== this.#lastDetail) {
        this.#logger.error(
          { reason: 'StateWriteFailed', detail, retryMs: this.#retryMs },
          'state database unavailable: generator calls fail until it opens',
        );
      }
      this.#lastDetail = detail;
    }
  }
}

function fail(): Promise<never> {
  return Promise.reject(new FederationError('StateWriteFailed', undefined, 'state unavailable'));
}

const unavailable: StateStore = {
  reserve: fail,
  complete: fail,
  find: fail,
  findExpired: fail,
  claim: fail,
  release: fail,
  remove: fail,
  count: fail,
  close: () => Promise.resolve(),
};
