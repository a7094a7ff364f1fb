import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

import type { KeySetObserver } from '../authn/index.js';
import { ResponseCache } from '../providers/response-cache.js';
import type { ConfigReport } from '../resources/config-report.js';
import type { StoreEntry } from '../resources/model.js';
import { metricDefinitions as defined } from './definitions.js';
import { FastCounter, FastHistogram } from './series.js';

/** The age of one federation's key set, as the authenticator reports it. */
export interface KeySetAge {
  federation: string;
  ageSeconds: number;
}

/** What the values computed at scrape time are read from; every function runs per scrape. */
export interface MetricsSources {
  keySetAges(): readonly KeySetAge[];
  /** The stores of the configuration in force. */
  stores(): Iterable<StoreEntry>;
  /** Generator states on record. */
  countStates(): Promise<number>;
}

export interface FederationMetricsOptions {
  /** Also export the Node.js process metrics (`process_*`, `nodejs_*`); default false. */
  processMetrics?: boolean;
}

/** Told how one backend call ended (`success` or a reason) and how long it took, in seconds. */
export type CallObserver = (result: string, durationSeconds: number) => void;

/** One completed HTTP API request. */
export interface CompletedRequest {
  method: string;
  /** The route pattern, never the URL: `/secretstore/:secretStoreName/...` or `unmatched`. */
  route: string;
  status: number;
  /** The catalogue reason of an error answer; absent on success. */
  reason?: string;
  durationSeconds: number;
}

function settings<const Labels extends readonly string[]>(
  definition: { name: string; help: string; labelNames: Labels },
  registry: Registry,
) {
  const { name, help, labelNames } = definition;
  return { name, help, labelNames, registers: [registry] };
}

/**
 * The metrics of one server, in a registry of its own (several servers may run in one
 * process, as in the tests). The server records events through the methods here; values
 * that already exist elsewhere (key set ages, cache counters, the number of states) are
 * read from the attached sources when scraped.
 */
export class FederationMetrics implements KeySetObserver {
  readonly registry = new Registry();
  #sources: MetricsSources | undefined;

  readonly #requests = new FastCounter(defined.requests, this.registry);
  readonly #requestDuration = new FastHistogram(defined.requestDuration, this.registry);
  readonly #authentications = new FastCounter(defined.authentications, this.registry);
  readonly #jwksFetches = new FastCounter(defined.jwksFetches, this.registry);
  readonly #keySetAge = new Gauge({
    ...settings(defined.keySetAge, this.registry),
    collect: () => this.#collectKeySetAges(),
  });
  readonly #storeCalls = new FastCounter(defined.storeCalls, this.registry);
  readonly #storeCallDuration = new FastHistogram(defined.storeCallDuration, this.registry);
  readonly #storeCacheReads = new Counter({
    ...settings(defined.storeCacheReads, this.registry),
    collect: () => this.#collectCacheReads(),
  });
  readonly #generatorCalls = new FastCounter(defined.generatorCalls, this.registry);
  readonly #generatorCallDuration = new FastHistogram(defined.generatorCallDuration, this.registry);
  readonly #statesIssued = new FastCounter(defined.statesIssued, this.registry);
  readonly #statesRevoked = new FastCounter(defined.statesRevoked, this.registry);
  readonly #statesLive = new Gauge({
    ...settings(defined.statesLive, this.registry),
    collect: () => this.#collectStatesLive(),
  });
  readonly #configReloads = new FastCounter(defined.configReloads, this.registry);
  readonly #configBrokenFiles = new Gauge(settings(defined.configBrokenFiles, this.registry));
  readonly #auditLines = new FastCounter(defined.auditLines, this.registry);

  constructor(options: FederationMetricsOptions = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where scrape-time values come from; until called those metrics stay empty or 0. */
  attach(sources: MetricsSources): void {
    this.#sources = sources;
  }

  /** The Content-Type of {@link exposition}: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  requestCompleted(request: CompletedRequest): void {
    const labels = {
      method: request.method,
      route: request.route,
      status: String(request.status),
      reason: request.reason ?? '',
    };
    this.#requests.inc(labels);
    // The duration has no reason label: the histogram keeps the names it defines only.
    this.#requestDuration.observe(labels, request.durationSeconds);
  }

  /** `federation` is empty when no single federation was tried; `result` is `success` or a reason. */
  authenticated(federation: string, result: string): void {
    this.#authentications.inc({ federation, result });
  }

  keySetFetched(federation: string, result: 'success' | 'failure'): void {
    this.#jwksFetches.inc({ federation, result });
  }

  /** An observer for one read from a store; `provider` is the key under `spec.provider`. */
  storeCall(store: { name: string; providerKey: string }): CallObserver {
    return (result, durationSeconds) => {
      const labels = { store: store.name, provider: store.providerKey, result };
      this.#storeCalls.inc(labels);
      this.#storeCallDuration.observe(labels, durationSeconds);
    };
  }

  /** An observer for one generator call; `generatorKind` is the kind that runs. */
  generatorCall(generatorKind: string, operation: 'generate' | 'revoke'): CallObserver {
    return (result, durationSeconds) => {
      const labels = { generator_kind: generatorKind, operation, result };
      this.#generatorCalls.inc(labels);
      this.#generatorCallDuration.observe(labels, durationSeconds);
    };
  }

  stateIssued(generatorKind: string): void {
    this.#statesIssued.inc({ generator_kind: generatorKind });
  }

  /** `request`: a DELETE or revoke call; `expiry`: the sweeper, past the state's deadline. */
  stateRevoked(generatorKind: string, trigger: 'request' | 'expiry'): void {
    this.#statesRevoked.inc({ generator_kind: generatorKind, trigger });
  }

  /** A load of the config dir: `failed` when a file was rejected or the directory unreadable. */
  configLoaded(report: Pick<ConfigReport, 'problems' | 'brokenFiles' | 'directoryError'>): void {
    const isClean = report.problems.length === 0 && report.directoryError === undefined;
    this.#configReloads.inc({ result: isClean ? 'applied' : 'failed' });
    this.#configBrokenFiles.set(report.brokenFiles.length);
  }

  /** Lines of the audit trail handed to its sink: `written`, or `failed` when refused. */
  auditLines(result: 'written' | 'failed', lines: number): void {
    this.#auditLines.inc({ result }, lines);
  }

  #collectKeySetAges(): void {
    this.#keySetAge.reset();
    for (const { federation, ageSeconds } of this.#sources?.keySetAges() ?? []) {
      this.#keySetAge.set({ federation }, ageSeconds);
    }
  }

  // The caches count for themselves; the counter is rebuilt from them on every scrape. A
  // store rebuilt by a reload starts a new cache at zero, which Prometheus reads as a reset.
  #collectCacheReads(): void {
    this.#storeCacheReads.reset();
    for (const store of this.#sources?.stores() ?? []) {
      if (!(store.provider instanceof ResponseCache)) continue;
      const { hits, misses, joined } = store.provider.stats;
      this.#storeCacheReads.inc({ store: store.name, result: 'hit' }, hits);
      this.#storeCacheReads.inc({ store: store.name, result: 'miss' }, misses);
      this.#storeCacheReads.inc({ store: store.name, result: 'joined' }, joined);
    }
  }

  async #collectStatesLive(): Promise<void> {
    if (!this.#sources) return;
    try {
      this.#statesLive.set(await this.#sources.countStates());
    } catch {
      // Keep the last count: a database error must not fail the scrape of every other
      // metric, and the requests that hit it already answer StateWriteFailed.
    }
  }
}
