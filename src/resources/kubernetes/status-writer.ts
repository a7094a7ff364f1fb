import type { KubeApi, KubeObject } from '../../kubernetes/index.js';
import { KubeApiError } from '../../kubernetes/index.js';
import { formatProblem, type Problem } from '../problem.js';
import type { ConfigLogger } from '../snapshot-builder.js';
import { collectionPath, pluralOf } from './collections.js';
import { objectKey, type KubernetesConfig } from './watch-kubernetes.js';

/** One entry of `status.conditions`, as Kubernetes API conventions shape it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

type Wanted = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/** What one object's status should say: its conditions and the counters its columns show. */
interface WantedStatus {
  conditions: Wanted[];
  fields: Record<string, number | string>;
  /** The key fetch (ms since the epoch) this status reports or found outdated. */
  fetchAt?: number;
}

interface ObjectParts {
  metadata: { name: string; generation?: number; resourceVersion?: string };
  status?: { conditions?: Condition[] } & Record<string, unknown>;
}

/** What a key fetch of one federation found, for its `KeysFetched` condition. */
export interface KeyFetchResult {
  result: 'success' | 'failure';
  keys?: number;
  failure?: string;
  at: Date;
}

function problemText(problems: readonly Problem[]): string {
  return problems
    .map((problem) => formatProblem(problem))
    .join('; ')
    .slice(0, 1000);
}

/** Milliseconds of an RFC 3339 time; -Infinity for none, so that any time is later. */
function timeOf(value: unknown): number {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? -Infinity : time;
}

/** A time as the status shows it: RFC 3339 in whole seconds. */
function statusTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function keysCondition(fetch: KeyFetchResult | undefined): Wanted {
  if (fetch === undefined) {
    return {
      type: 'KeysFetched',
      status: 'Unknown',
      reason: 'NotYetFetched',
      message: 'keys are fetched with the first token of this cluster',
    };
  }
  return fetch.result === 'success'
    ? {
        type: 'KeysFetched',
        status: 'True',
        reason: 'Fetched',
        message: `${fetch.keys ?? 0} signing keys fetched`,
      }
    : {
        type: 'KeysFetched',
        status: 'False',
        reason: 'FetchFailed',
        message: `the last fetch failed: ${fetch.failure ?? 'unknown'}`,
      };
}

/**
 * Writes `status` of KubernetesFederations and Authorizations where an operator needs it:
 * whether the object was accepted, whether an Authorization's stores and generators exist,
 * and whether a federation's keys could be fetched, and when. A status is only written
 * when it differs from the one the object carries, so replicas agreeing write nothing.
 *
 * Key fetches differ between replicas: each fetches for itself. A replica writes its own
 * fetch result once, unless the status already tells of a later fetch, and otherwise keeps
 * the `KeysFetched` condition it finds; `lastKeysFetchTime` only moves forward. So replicas
 * that fetched at different times stop writing after one write each.
 */
export class StatusWriter {
  readonly #api: KubeApi;
  readonly #logger: ConfigLogger;
  readonly #now: () => Date;
  readonly #keyFetches = new Map<string, KeyFetchResult>();
  readonly #lastSuccess = new Map<string, KeyFetchResult>();
  /** By object key: the latest key fetch (ms) written, or found older than the status. */
  readonly #published = new Map<string, number>();
  readonly #failedWrites = new Set<string>();
  #config: KubernetesConfig | undefined;
  /** The newest version seen of each object of the configuration, status included. */
  #objects = new Map<string, KubeObject>();

  constructor(api: KubeApi, logger: ConfigLogger, now: () => Date = () => new Date()) {
    this.#api = api;
    this.#logger = logger;
    this.#now = now;
  }

  /** Brings every status up to date with a new configuration. */
  async update(config: KubernetesConfig): Promise<void> {
    this.#config = config;
    this.#objects = new Map(config.objects);
    for (const key of this.#published.keys()) {
      if (!config.objects.has(key)) this.#published.delete(key);
    }
    await this.#writeAll(config, () => true);
  }

  /**
   * Takes a newer version of an object whose status alone changed (written by this replica
   * or another one) and writes its status again only where it does not say what it should.
   */
  async statusChanged(object: KubeObject): Promise<void> {
    const key = objectKey(object);
    if (this.#config === undefined || !this.#objects.has(key)) return;
    this.#objects.set(key, object);
    await this.#writeAll(this.#config, (candidate) => objectKey(candidate) === key);
  }

  /** Records a key fetch of a federation and writes its status. */
  async keysFetched(federation: string, fetch: KeyFetchResult): Promise<void> {
    this.#keyFetches.set(federation, fetch);
    if (fetch.result === 'success') this.#lastSuccess.set(federation, fetch);
    if (this.#config === undefined) return;
    await this.#writeAll(
      this.#config,
      (object) => object.kind === 'KubernetesFederation' && object.metadata?.name === federation,
    );
  }

  async #writeAll(
    config: KubernetesConfig,
    isWanted: (object: KubeObject) => boolean,
  ): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [key, object] of this.#objects) {
      if (!isWanted(object)) continue;
      const wanted = this.#wantedStatus(object, key, config);
      if (wanted !== undefined) writes.push(this.#write(object, wanted, config));
    }
    await Promise.all(writes);
  }

  #wantedStatus(
    object: KubeObject,
    key: string,
    config: KubernetesConfig,
  ): WantedStatus | undefined {
    const rejected = config.rejected.get(key);
    const accepted: Wanted =
      rejected === undefined
        ? { type: 'Accepted', status: 'True', reason: 'Valid', message: 'in force' }
        : { type: 'Accepted', status: 'False', reason: 'Invalid', message: problemText(rejected) };
    const wanted =
      object.kind === 'Authorization'
        ? this.#authorizationStatus(object, config)
        : object.kind === 'KubernetesFederation'
          ? this.#federationStatus(object, key)
          : undefined;
    if (wanted === undefined) return undefined;

    const generation = (object as unknown as ObjectParts).metadata.generation;
    if (generation !== undefined) wanted.fields.observedGeneration = generation;
    return { ...wanted, conditions: [accepted, ...wanted.conditions] };
  }

  #authorizationStatus(object: KubeObject, config: KubernetesConfig): WantedStatus {
    const name = object.metadata?.name;
    const missing = config.report.warnings.filter(
      (warning) => warning.kind === 'Authorization' && warning.name === name,
    );
    const references: Wanted =
      missing.length === 0
        ? {
            type: 'ReferencesResolved',
            status: 'True',
            reason: 'AllFound',
            message: 'every federation, store and generator named exists',
          }
        : {
            type: 'ReferencesResolved',
            status: 'False',
            reason: 'Missing',
            message: problemText(missing),
          };
    const spec = (object.spec ?? {}) as {
      allowedClusterSecretStores?: unknown[];
      allowedGenerators?: unknown[];
    };
    return {
      conditions: [references],
      fields: {
        storeCount: spec.allowedClusterSecretStores?.length ?? 0,
        generatorCount: spec.allowedGenerators?.length ?? 0,
      },
    };
  }

  /**
   * `KeysFetched` and the fetch fields of a federation, merged with what its status tells
   * of other replicas' fetches: a fetch of this replica is written when it is news, that is
   * not written yet and not older than the last fetch the status reports.
   */
  #federationStatus(object: KubeObject, key: string): WantedStatus {
    const parts = object as unknown as ObjectParts;
    const stored = parts.status?.conditions?.find((condition) => condition.type === 'KeysFetched');
    const storedFetchTime = timeOf(parts.status?.lastKeysFetchTime);
    const fields: Record<string, number | string> = {};
    const success = this.#lastSuccess.get(parts.metadata.name);
    if (success !== undefined && timeOf(statusTime(success.at)) > storedFetchTime) {
      fields.keyCount = success.keys ?? 0;
      fields.lastKeysFetchTime = statusTime(success.at);
    }

    const fetch = this.#keyFetches.get(parts.metadata.name);
    // An `Unknown` condition reports no fetch; a `True` or `False` one reports a fetch no
    // older than its transition, and a success no older than `lastKeysFetchTime`.
    const storedNewsTime =
      stored === undefined || stored.status === 'Unknown'
        ? -Infinity
        : Math.max(storedFetchTime, timeOf(stored.lastTransitionTime));
    const fetchAt = fetch?.at.getTime();
    const isNews =
      fetchAt !== undefined &&
      fetchAt > (this.#published.get(key) ?? -Infinity) &&
      fetchAt >= storedNewsTime;
    const condition =
      isNews || stored === undefined
        ? keysCondition(fetch)
        : {
            type: stored.type,
            status: stored.status,
            reason: stored.reason,
            message: stored.message,
          };
    return { conditions: [condition], fields, fetchAt };
  }

  /** The conditions to write, each keeping its transition time while its status stays. */
  #conditions(
    parts: ObjectParts,
    wanted: WantedStatus,
  ): { conditions: Condition[]; isChanged: boolean } {
    const current = parts.status?.conditions ?? [];
    const generation = parts.metadata.generation;
    const now = this.#now().toISOString();
    // A KeysFetched transition dates from the fetch that caused it, so that replicas can
    // tell which of their fetches came later.
    const fetchedAt = wanted.fetchAt === undefined ? now : new Date(wanted.fetchAt).toISOString();
    let isChanged =
      wanted.conditions.length !== current.length ||
      Object.entries(wanted.fields).some(([field, value]) => parts.status?.[field] !== value);
    const conditions = wanted.conditions.map((condition): Condition => {
      const before = current.find((item) => item.type === condition.type);
      const isSame =
        before !== undefined &&
        before.status === condition.status &&
        before.reason === condition.reason &&
        before.message === condition.message &&
        before.observedGeneration === generation;
      if (!isSame) isChanged = true;
      if (before?.status === condition.status) {
        return {
          ...condition,
          lastTransitionTime: before.lastTransitionTime,
          observedGeneration: generation,
        };
      }
      const isFetch = condition.type === 'KeysFetched' && condition.status !== 'Unknown';
      return {
        ...condition,
        lastTransitionTime: isFetch ? fetchedAt : now,
        observedGeneration: generation,
      };
    });
    return { conditions, isChanged };
  }

  async #write(object: KubeObject, wanted: WantedStatus, config: KubernetesConfig): Promise<void> {
    const parts = object as unknown as ObjectParts;
    const { conditions, isChanged } = this.#conditions(parts, wanted);
    const key = objectKey(object);
    if (!isChanged) {
      this.#publish(key, wanted);
      return;
    }

    const [group, version] = String(object.apiVersion).split('/');
    const path = `${collectionPath(`${group}/${version}`, pluralOf(String(object.kind)))}/${encodeURIComponent(parts.metadata.name)}/status`;
    const { resourceVersion } = parts.metadata;
    try {
      await this.#api.request({
        method: 'PATCH',
        path,
        // At the version it was decided on: a status another replica wrote meanwhile is
        // looked at again when its watch event comes, rather than overwritten.
        body: {
          ...(resourceVersion !== undefined && { metadata: { resourceVersion } }),
          status: { ...wanted.fields, conditions },
        },
        contentType: 'application/merge-patch+json',
      });
      this.#failedWrites.delete(key);
      this.#publish(key, wanted);
    } catch (error) {
      // Gone in between, or changed in between (its watch event brings the newer version),
      // or the next rebuild has a newer view: nothing to report then.
      if (error instanceof KubeApiError && (error.isNotFound || error.isConflict)) return;
      if (this.#failedWrites.has(key) || config !== this.#config) return;
      this.#failedWrites.add(key);
      const reason = error instanceof KubeApiError ? error.reason : 'failed';
      this.#logger.warn({ object: key, reason }, 'status not written');
    }
  }

  #publish(key: string, wanted: WantedStatus): void {
    if (wanted.fetchAt === undefined) return;
    this.#published.set(key, Math.max(wanted.fetchAt, this.#published.get(key) ?? -Infinity));
  }
}
