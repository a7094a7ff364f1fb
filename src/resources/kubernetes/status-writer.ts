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
}

interface ObjectParts {
  metadata: { name: string; generation?: number };
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

/**
 * Writes `status` of KubernetesFederations and Authorizations where an operator needs it:
 * whether the object was accepted, whether an Authorization's stores and generators exist,
 * and whether a federation's keys could be fetched, and when. A status is only written
 * when it differs from the one the object carries, so replicas agreeing write nothing.
 */
export class StatusWriter {
  readonly #api: KubeApi;
  readonly #logger: ConfigLogger;
  readonly #now: () => Date;
  readonly #keyFetches = new Map<string, KeyFetchResult>();
  readonly #lastSuccess = new Map<string, KeyFetchResult>();
  readonly #failedWrites = new Set<string>();
  #config: KubernetesConfig | undefined;

  constructor(api: KubeApi, logger: ConfigLogger, now: () => Date = () => new Date()) {
    this.#api = api;
    this.#logger = logger;
    this.#now = now;
  }

  /** Brings every status up to date with a new configuration. */
  async update(config: KubernetesConfig): Promise<void> {
    this.#config = config;
    await this.#writeAll(config, () => true);
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
    for (const [key, object] of config.objects) {
      if (!isWanted(object)) continue;
      const wanted = this.#wantedConditions(object, key, config);
      if (wanted !== undefined) writes.push(this.#write(object, wanted, config));
    }
    await Promise.all(writes);
  }

  #wantedConditions(
    object: KubeObject,
    key: string,
    config: KubernetesConfig,
  ): WantedStatus | undefined {
    const rejected = config.rejected.get(key);
    const accepted: Wanted =
      rejected === undefined
        ? { type: 'Accepted', status: 'True', reason: 'Valid', message: 'in force' }
        : { type: 'Accepted', status: 'False', reason: 'Invalid', message: problemText(rejected) };
    if (object.kind === 'Authorization') {
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
        conditions: [accepted, references],
        fields: {
          storeCount: spec.allowedClusterSecretStores?.length ?? 0,
          generatorCount: spec.allowedGenerators?.length ?? 0,
        },
      };
    }
    if (object.kind === 'KubernetesFederation') {
      const fetch = this.#keyFetches.get(object.metadata?.name ?? '');
      const keys: Wanted =
        fetch === undefined
          ? {
              type: 'KeysFetched',
              status: 'Unknown',
              reason: 'NotYetFetched',
              message: 'keys are fetched with the first token of this cluster',
            }
          : fetch.result === 'success'
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
      const fields: Record<string, number | string> = {};
      const fetched = this.#lastSuccess.get(object.metadata?.name ?? '');
      if (fetched !== undefined) {
        fields.keyCount = fetched.keys ?? 0;
        fields.lastKeysFetchTime = fetched.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
      }
      return { conditions: [accepted, keys], fields };
    }
    return undefined;
  }

  async #write(object: KubeObject, wanted: WantedStatus, config: KubernetesConfig): Promise<void> {
    const parts = object as unknown as ObjectParts;
    const current = parts.status?.conditions ?? [];
    const now = this.#now().toISOString();
    let isChanged =
      wanted.conditions.length !== current.length ||
      Object.entries(wanted.fields).some(([field, value]) => parts.status?.[field] !== value);
    const conditions: Condition[] = wanted.conditions.map((condition) => {
      const before = current.find((item) => item.type === condition.type);
      const isSame =
        before !== undefined &&
        before.status === condition.status &&
        before.reason === condition.reason &&
        before.message === condition.message &&
        before.observedGeneration === parts.metadata.generation;
      if (!isSame) isChanged = true;
      const kept = before?.status === condition.status ? before.lastTransitionTime : now;
      return {
        ...condition,
        lastTransitionTime: kept,
        observedGeneration: parts.metadata.generation,
      };
    });
    if (!isChanged) return;

    const key = objectKey(object);
    const [group, version] = String(object.apiVersion).split('/');
    const path = `${collectionPath(`${group}/${version}`, pluralOf(String(object.kind)))}/${encodeURIComponent(parts.metadata.name)}/status`;
    try {
      await this.#api.request({
        method: 'PATCH',
        path,
        body: { status: { ...wanted.fields, conditions } },
        contentType: 'application/merge-patch+json',
      });
      this.#failedWrites.delete(key);
    } catch (error) {
      // Gone in between, or the next rebuild has a newer view: nothing to report then.
      if (error instanceof KubeApiError && error.isNotFound) return;
      if (this.#failedWrites.has(key) || config !== this.#config) return;
      this.#failedWrites.add(key);
      const reason = error instanceof KubeApiError ? error.reason : 'failed';
      this.#logger.warn({ object: key, reason }, 'status not written');
    }
  }
}
