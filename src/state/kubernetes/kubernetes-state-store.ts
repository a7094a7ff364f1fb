import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import { FederationError } from '../../errors.js';
import { KubeApiError } from '../../kubernetes/index.js';
import type { KubeApi, KubeObject } from '../../kubernetes/index.js';
import type { GeneratorStateRecord, NewState, StateFilter, StateStore } from '../state-store.js';
import {
  byTime,
  completionPatch,
  generatorStateApiVersion,
  generatorStatePlural,
  labelValue,
  managedByValue,
  matchesFilter,
  newStateObject,
  stateAnnotations,
  stateLabels,
  toRecord,
} from './state-object.js';

/** Options of {@link KubernetesStateStore}. */
export interface KubernetesStateStoreOptions {
  /**
   * Where states of an empty generator namespace go (a ClusterGenerator called without
   * one); the server's own namespace. Default `default`.
   */
  fallbackNamespace?: string;
  /**
   * Names this replica in the `claimed-by` annotation, for people reading the object;
   * default the host name (the pod name) and a random suffix. A claim is refused while it
   * runs whoever holds it, so the name never grants anything.
   */
  holder?: string;
  /** The clock of `createdAt` and of claims; ms since the epoch, default `Date.now`. */
  now?: () => number;
}

const selector = `${stateLabels.managedBy}=${managedByValue}`;

function splitId(id: string): { namespace: string; name: string } {
  const slash = id.indexOf('/');
  if (slash <= 0) throw new FederationError('StateWriteFailed', undefined, 'malformed state id');
  return { namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

/** Reads and conditional writes per {@link KubernetesStateStore.complete} call, at most. */
const completeAttempts = 3;

/** Whether an unexpired claim holds the object, whoever took it. */
function isClaimed(object: KubeObject, now: number): boolean {
  const metadata = object.metadata as { annotations?: Record<string, string> } | undefined;
  return Date.parse(metadata?.annotations?.[stateAnnotations.claimedUntil] ?? '') > now;
}

/** Any failure of the API server becomes `StateWriteFailed` with a value-free detail. */
async function guard<T>(operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof FederationError) throw error;
    const reason = error instanceof KubeApiError ? `${error.status} ${error.reason}` : 'failed';
    throw new FederationError('StateWriteFailed', undefined, `${operation}: ${reason}`);
  }
}

/**
 * Generator state as `GeneratorState` objects (generators.external-secrets.io/v1alpha1) in
 * the generator's namespace, readable by every replica. Revocation is coordinated with the
 * API server's optimistic concurrency: {@link claim} updates the object at the version it
 * read, so of two replicas only one wins the right to revoke a state, and {@link complete}
 * patches at the version it read, so a state is never completed once claimed.
 */
export class KubernetesStateStore implements StateStore {
  readonly #api: KubeApi;
  readonly #fallbackNamespace: string;
  readonly #holder: string;
  readonly #now: () => number;

  constructor(api: KubeApi, options: KubernetesStateStoreOptions = {}) {
    this.#api = api;
    this.#fallbackNamespace = options.fallbackNamespace ?? 'default';
    this.#holder = options.holder ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    this.#now = options.now ?? Date.now;
  }

  #collection(namespace?: string): string {
    const base = `/apis/${generatorStateApiVersion}`;
    return namespace === undefined
      ? `${base}/${generatorStatePlural}`
      : `${base}/namespaces/${encodeURIComponent(namespace)}/${generatorStatePlural}`;
  }

  #objectPath(id: string): string {
    const { namespace, name } = splitId(id);
    return `${this.#collection(namespace)}/${encodeURIComponent(name)}`;
  }

  async reserve(state: NewState): Promise<string> {
    return guard('reserve', async () => {
      const namespace = state.generator.namespace || this.#fallbackNamespace;
      const body = newStateObject(state, namespace, this.#now());
      const created = await this.#api.request<KubeObject>({
        method: 'POST',
        path: this.#collection(namespace),
        body,
      });
      return `${namespace}/${created.metadata?.name ?? ''}`;
    });
  }

  async complete(id: string, providerState: unknown, deadline: Date): Promise<void> {
    await guard('complete', async () => {
      // Only claims and releases write a pending state, so a conflict is rare and the next
      // read shows the claim that caused it.
      for (let attempt = 1; attempt <= completeAttempts; attempt += 1) {
        const object = await this.#api.request<KubeObject>({ path: this.#objectPath(id) });
        // A revocation that claimed the pending state deletes it next: completing it now
        // would leave handed-out values with no record and no revocation.
        if (isClaimed(object, this.#now())) {
          throw new FederationError('StateWriteFailed', undefined, 'complete: state claimed');
        }
        const version = object.metadata?.resourceVersion ?? '';
        try {
          await this.#api.request({
            method: 'PATCH',
            path: this.#objectPath(id),
            body: completionPatch(providerState, deadline, version),
            contentType: 'application/merge-patch+json',
          });
          return;
        } catch (error) {
          if (!(error instanceof KubeApiError && error.isConflict)) throw error;
        }
      }
      throw new FederationError('StateWriteFailed', undefined, 'complete: conflict');
    });
  }

  async #list(namespace?: string, extraSelector = ''): Promise<GeneratorStateRecord[]> {
    const list = await this.#api.request<{ items?: KubeObject[] }>({
      path: this.#collection(namespace),
      query: { labelSelector: `${selector}${extraSelector}` },
      timeoutMs: 30_000,
    });
    return (list.items ?? []).flatMap((item) => toRecord(item) ?? []);
  }

  async find(filter: StateFilter): Promise<GeneratorStateRecord[]> {
    return guard('find', async () => {
      const namespace = filter.generatorNamespace || this.#fallbackNamespace;
      const narrower =
        filter.generatorName === undefined
          ? ''
          : `,${stateLabels.generator}=${labelValue(filter.generatorName)}`;
      const records = await this.#list(namespace, narrower);
      return records.filter((record) => matchesFilter(record, filter)).sort(byTime('createdAt'));
    });
  }

  async findExpired(now: Date, limit: number): Promise<GeneratorStateRecord[]> {
    return guard('findExpired', async () => {
      const records = await this.#list();
      return records
        .filter((record) => record.garbageCollectionDeadline.getTime() <= now.getTime())
        .sort(byTime('garbageCollectionDeadline'))
        .slice(0, limit);
    });
  }

  async remove(id: string): Promise<boolean> {
    return guard('remove', async () => {
      try {
        await this.#api.request({ method: 'DELETE', path: this.#objectPath(id) });
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.isNotFound) return false;
        throw error;
      }
    });
  }

  async claim(id: string, holdMs: number): Promise<GeneratorStateRecord | undefined> {
    return guard('claim', async () => {
      let object: KubeObject;
      try {
        object = await this.#api.request<KubeObject>({ path: this.#objectPath(id) });
      } catch (error) {
        if (error instanceof KubeApiError && error.isNotFound) return undefined;
        throw error;
      }
      // A claim of this replica's own is refused too: the sweeper and a request, or two
      // requests, on one replica must not both revoke the state.
      if (isClaimed(object, this.#now())) return undefined;
      const metadata = object.metadata as { annotations?: Record<string, string> };
      metadata.annotations = {
        ...metadata.annotations,
        [stateAnnotations.claimedUntil]: new Date(this.#now() + holdMs).toISOString(),
        [stateAnnotations.claimedBy]: this.#holder,
      };
      try {
        // The object carries the resourceVersion it was read at: a replica that claimed
        // or completed it in between makes this update fail with 409 Conflict.
        const claimed = await this.#api.request<KubeObject>({
          method: 'PUT',
          path: this.#objectPath(id),
          body: object,
        });
        return toRecord(claimed);
      } catch (error) {
        if (error instanceof KubeApiError && (error.isConflict || error.isNotFound)) {
          return undefined;
        }
        throw error;
      }
    });
  }

  async release(id: string): Promise<void> {
    const patch = {
      metadata: {
        annotations: { [stateAnnotations.claimedUntil]: null, [stateAnnotations.claimedBy]: null },
      },
    };
    await guard('release', async () => {
      try {
        await this.#api.request({
          method: 'PATCH',
          path: this.#objectPath(id),
          body: patch,
          contentType: 'application/merge-patch+json',
        });
      } catch (error) {
        if (!(error instanceof KubeApiError && error.isNotFound)) throw error;
      }
    });
  }

  async count(): Promise<number> {
    return guard('count', async () => (await this.#list()).length);
  }

  async close(): Promise<void> {
    // The API connection belongs to the caller.
  }
}
