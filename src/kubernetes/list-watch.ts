import { setTimeout as sleep } from 'node:timers/promises';

import type { KubeApi, WatchEvent } from './kube-api.js';
import { KubeApiError } from './kube-api-error.js';

/** One Kubernetes object as the API server returns it. */
export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
};

/** What a {@link ListWatch} tells its owner. */
export interface ListWatchHandler {
  /** After every (re)list: the whole collection, replacing what was known. */
  replace(items: KubeObject[]): void;
  /** One change seen by the watch. */
  change(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
}

export interface ListWatchLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Options of {@link ListWatch}. */
export interface ListWatchOptions {
  logger: ListWatchLogger;
  /** First pause after a failure; ms, default 250, doubled up to `maxBackoffMs`. */
  backoffMs?: number;
  /** Longest pause between two attempts; ms, default 30000. */
  maxBackoffMs?: number;
  /** How long the server keeps one watch open; seconds, default 300. */
  watchSeconds?: number;
}

/** Why the last list or watch of a collection failed: safe fields of the error only. */
export interface ListWatchFailure {
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The Status `reason` (`NotFound`, `Forbidden`...), or a transport code. */
  reason: string;
}

function isStatusGone(object: Record<string, unknown>): boolean {
  return object.code === 410 || object.reason === 'Expired' || object.reason === 'Gone';
}

/**
 * Keeps one collection of the API server in view: list, then watch from the list's
 * resource version, resume every later watch from the last version seen (bookmarks
 * included), list again on 410 Gone, and back off exponentially while the server fails.
 */
export class ListWatch {
  readonly #api: KubeApi;
  readonly #path: string;
  readonly #handler: ListWatchHandler;
  readonly #options: Required<Omit<ListWatchOptions, 'logger'>> & { logger: ListWatchLogger };
  readonly #abort = new AbortController();
  #resourceVersion: string | undefined;
  #hasListed = false;
  #running: Promise<void> | undefined;
  #lastError: string | undefined;
  #lastFailure: ListWatchFailure | undefined;
  #hasSucceeded = false;

  constructor(api: KubeApi, path: string, handler: ListWatchHandler, options: ListWatchOptions) {
    this.#api = api;
    this.#path = path;
    this.#handler = handler;
    this.#options = {
      backoffMs: options.backoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      watchSeconds: options.watchSeconds ?? 300,
      logger: options.logger,
    };
  }

  /** The collection path, e.g. `/apis/federation.external-secrets.io/v1alpha1/authorizations`. */
  get path(): string {
    return this.#path;
  }

  /** True once a first list has been delivered. */
  get hasListed(): boolean {
    return this.#hasListed;
  }

  /** Why the last attempt failed, while it keeps failing; undefined when healthy. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The status and reason of the last failure, while it keeps failing; for readiness. */
  get lastFailure(): ListWatchFailure | undefined {
    return this.#lastFailure;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    let backoff = this.#options.backoffMs;
    while (!this.#abort.signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#list();
        await this.#watch();
        this.#lastError = undefined;
        this.#lastFailure = undefined;
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        // A list or watch that worked since the last failure starts the backoff over: a
        // server that comes back after a long run must not wait out an old, long pause.
        if (this.#hasSucceeded) backoff = this.#options.backoffMs;
        this.#hasSucceeded = false;
        if (error instanceof KubeApiError && error.isGone) {
          this.#options.logger.info({ path: this.#path }, 'watch expired; listing again');
          this.#resourceVersion = undefined;
          continue;
        }
        const reason = error instanceof KubeApiError ? error.reason : 'WatchFailed';
        this.#lastError = error instanceof Error ? error.message : String(error);
        this.#lastFailure =
          error instanceof KubeApiError
            ? { status: error.status, reason: error.reason }
            : { status: 0, reason };
        // A 404 for the whole collection: its CRD is not installed (or, for a second after
        // an API server start, not registered yet).
        const hint =
          error instanceof KubeApiError && error.isNotFound
            ? { hint: 'is its CRD installed?' }
            : {};
        this.#options.logger.warn(
          { path: this.#path, reason, retryMs: backoff, ...hint },
          'kubernetes list or watch failed; retrying',
        );
        await sleep(backoff, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  async #list(): Promise<void> {
    const list = await this.#api.request<{
      items?: KubeObject[];
      metadata?: { resourceVersion?: string };
    }>({ path: this.#path, signal: this.#abort.signal, timeoutMs: 30_000 });
    this.#handler.replace(list.items ?? []);
    this.#resourceVersion = list.metadata?.resourceVersion;
    this.#hasListed = true;
    this.#hasSucceeded = true;
    this.#lastError = undefined;
    this.#lastFailure = undefined;
  }

  async #watch(): Promise<void> {
    const seconds = this.#options.watchSeconds;
    await this.#api.watch(
      this.#path,
      {
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: seconds,
      },
      (event) => this.#onEvent(event),
      this.#abort.signal,
      (seconds + 30) * 1000,
    );
  }

  #onEvent(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object;
      const code = typeof status.code === 'number' ? status.code : 500;
      const reason = typeof status.reason === 'string' ? status.reason : 'WatchError';
      const message = typeof status.message === 'string' ? status.message : '';
      throw new KubeApiError(
        'WATCH',
        this.#path,
        isStatusGone(status) ? 410 : code,
        reason,
        message,
      );
    }
    this.#hasSucceeded = true;
    const version = (event.object as KubeObject).metadata?.resourceVersion;
    if (version !== undefined) this.#resourceVersion = version;
    if (event.type === 'BOOKMARK') return;
    this.#handler.change(event.type, event.object as KubeObject);
  }
}
