import { isDeepStrictEqual } from 'node:util';

import type { KubeApi, KubeObject } from '../../kubernetes/index.js';
import { ListWatch } from '../../kubernetes/index.js';
import type { SecretReader } from '../../providers/provider.js';
import { makeReport, type ConfigReport } from '../config-report.js';
import { checkReferences, removeDuplicates } from '../merge-resources.js';
import type { ConfigSnapshot } from '../model.js';
import { formatProblems, type Problem } from '../problem.js';
import type { Resource } from '../resource.js';
import { SnapshotBuilder, type ConfigLogger } from '../snapshot-builder.js';
import { validateDocument } from '../validate-document.js';
import { watchedCollections, type WatchedCollection } from './collections.js';

/** What one rebuild found: the snapshot, its report, and each object's own problems. */
export interface KubernetesConfig {
  snapshot: ConfigSnapshot;
  report: ConfigReport;
  /** Problems of each rejected object, keyed `apiVersion/kind/namespace/name`. */
  rejected: ReadonlyMap<string, Problem[]>;
  /** The objects as listed, for status writers, keyed the same way. */
  objects: ReadonlyMap<string, KubeObject>;
}

/** Options of {@link watchKubernetes}. */
export interface WatchKubernetesOptions {
  logger: ConfigLogger;
  /** Called after every rebuild, the first one once every collection has been listed. */
  onChange: (config: KubernetesConfig) => void | Promise<void>;
  /**
   * Called instead of a rebuild when an event changed only an object's `status` (a status
   * write of this replica or another one): the configuration stays as it is.
   */
  onStatusChange?: (object: KubeObject) => void | Promise<void>;
  /** Where store and generator credentials are read: the API server's Secrets. */
  secrets: SecretReader;
  /** Quiet time before a rebuild, so a burst of events is applied once; ms, default 20. */
  debounceMs?: number;
  /** Backoff of the list-watches after a failure; ms, default 250 (tests shorten it). */
  backoffMs?: number;
}

/** A collection whose first list has not come yet, and why when its list fails. */
export interface UnlistedCollection {
  path: string;
  kind: string;
  /** The API server answered 404 for the collection: it does not serve the kind. */
  isNotServed: boolean;
  /** The reason of the last failure (`Forbidden`, `ECONNREFUSED`...), while it fails. */
  failure?: string;
}

/** A running watch of the hub's custom resources. */
export interface KubernetesWatcher {
  /** Collections not listed yet, for `/readyz`; empty once the first sync is done. */
  waitingFor(): string[];
  /** The same collections as `waitingFor`, with why each one is still missing. */
  unlisted(): UnlistedCollection[];
  /** The configuration in force, once the first sync is done. */
  readonly current: KubernetesConfig | undefined;
  close(): Promise<void>;
}

export function objectKey(object: KubeObject): string {
  const metadata = object.metadata ?? {};
  return `${String(object.apiVersion)}/${String(object.kind)}/${metadata.namespace ?? ''}/${metadata.name ?? ''}`;
}

/** The object without what any write changes: its status, resource version, managed fields. */
function withoutBookkeeping(object: KubeObject): unknown {
  const copy: Record<string, unknown> = { ...object, metadata: { ...object.metadata } };
  const metadata = copy.metadata as Record<string, unknown>;
  delete copy.status;
  delete metadata.resourceVersion;
  delete metadata.managedFields;
  return copy;
}

/**
 * Whether an update changed more than the object's `status` (and the resource version and
 * managed fields that come with any write). Spec, labels, annotations and the generation are
 * what the configuration reads; a status write changes none of them.
 */
export function isConfigurationChange(before: KubeObject, after: KubeObject): boolean {
  return !isDeepStrictEqual(withoutBookkeeping(before), withoutBookkeeping(after));
}

class Watcher implements KubernetesWatcher {
  readonly #options: WatchKubernetesOptions;
  readonly #builder: SnapshotBuilder;
  readonly #watches: { watch: ListWatch; collection: WatchedCollection }[] = [];
  /** Objects by collection path, then by object key. */
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #logged = new Map<string, string>();
  #current: KubernetesConfig | undefined;
  #timer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(api: KubeApi, options: WatchKubernetesOptions) {
    this.#options = options;
    this.#builder = new SnapshotBuilder({ logger: options.logger, secrets: options.secrets });
    for (const collection of watchedCollections()) {
      this.#watches.push({ watch: this.#listWatch(api, collection), collection });
    }
  }

  get current(): KubernetesConfig | undefined {
    return this.#current;
  }

  start(): void {
    for (const { watch } of this.#watches) watch.start();
  }

  waitingFor(): string[] {
    return this.unlisted().map((collection) => collection.path);
  }

  unlisted(): UnlistedCollection[] {
    // Only the first sync counts: a replica that lost the API server later keeps serving
    // its last view rather than leave the hub without any ready replica.
    return this.#watches
      .filter(({ watch }) => !watch.hasListed)
      .map(({ watch, collection }) => ({
        path: watch.path,
        kind: collection.kind,
        isNotServed: watch.lastFailure?.status === 404,
        ...(watch.lastFailure && { failure: watch.lastFailure.reason }),
      }));
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#timer);
    await Promise.all(this.#watches.map(({ watch }) => watch.stop()));
    await this.#builder.close();
  }

  #listWatch(api: KubeApi, collection: WatchedCollection): ListWatch {
    const objects = new Map<string, KubeObject>();
    this.#objects.set(collection.path, objects);
    // A list answers items without apiVersion and kind; they are the collection's.
    const typed = (object: KubeObject): KubeObject => ({
      ...object,
      apiVersion: collection.apiVersion,
      kind: collection.kind,
    });
    return new ListWatch(
      api,
      collection.path,
      {
        replace: (items) => {
          objects.clear();
          for (const item of items) objects.set(objectKey(typed(item)), typed(item));
          this.#schedule();
        },
        change: (type, object) => {
          const item = typed(object);
          const key = objectKey(item);
          const before = objects.get(key);
          if (type === 'DELETED') objects.delete(key);
          else objects.set(key, item);
          // Rebuilding on a status write would re-apply the configuration on every write,
          // and replicas writing status would keep each other busy.
          if (type === 'MODIFIED' && before !== undefined && !isConfigurationChange(before, item)) {
            this.#statusChanged(item);
            return;
          }
          this.#schedule();
        },
      },
      { logger: this.#options.logger, backoffMs: this.#options.backoffMs },
    );
  }

  #statusChanged(object: KubeObject): void {
    // A rebuild on its way hands the status writer every object, this one included.
    if (this.#isClosed || this.#timer !== undefined || this.#current === undefined) return;
    void Promise.resolve(this.#options.onStatusChange?.(object)).catch((error: unknown) =>
      this.#options.logger.error({ err: String(error) }, 'status change handler failed'),
    );
  }

  #schedule(): void {
    if (this.#isClosed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#rebuild();
    }, this.#options.debounceMs ?? 20);
  }

  async #rebuild(): Promise<void> {
    // The first configuration waits for every collection, so no grant is missing from it.
    if (this.#isClosed || this.#watches.some(({ watch }) => !watch.hasListed)) return;
    const resources: Resource[] = [];
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const rejected = new Map<string, Problem[]>();
    const objects = new Map<string, KubeObject>();
    for (const collection of this.#objects.values()) {
      for (const [key, object] of collection) {
        objects.set(key, object);
        const result = validateDocument(object, { file: 'kubernetes' });
        if (result.resource) resources.push(result.resource);
        if (result.problems.length > 0) rejected.set(key, result.problems);
        problems.push(...result.problems);
        warnings.push(...result.warnings);
      }
    }
    const unique = removeDuplicates(resources);
    problems.push(...unique.problems);
    warnings.push(...checkReferences(unique.resources));
    const build = this.#builder.build(unique.resources);
    problems.push(...build.problems);
    const report = makeReport({ problems, warnings, staleFiles: [], files: [] });
    this.#current = { snapshot: build.snapshot, report, rejected, objects };
    this.#log(rejected, build.snapshot);
    try {
      await this.#options.onChange(this.#current);
    } catch (error) {
      this.#options.logger.error({ err: String(error) }, 'config change handler failed');
    }
  }

  /** Logs each rejected object once per distinct set of problems. */
  #log(rejected: ReadonlyMap<string, Problem[]>, snapshot: ConfigSnapshot): void {
    const logger = this.#options.logger;
    for (const [key, problems] of rejected) {
      const text = formatProblems(problems).join('\n');
      if (this.#logged.get(key) === text) continue;
      this.#logged.set(key, text);
      logger.warn({ object: key, problems: text }, 'kubernetes object rejected');
    }
    for (const key of this.#logged.keys()) if (!rejected.has(key)) this.#logged.delete(key);
    logger.info(
      {
        federations: snapshot.federations.size,
        authorizations: snapshot.authorizations.length,
        stores: snapshot.stores.size,
        generators: snapshot.generators.size,
        rejected: rejected.size,
      },
      'configuration applied',
    );
  }
}

/**
 * Watches every custom resource kind of the hub on the API server and keeps a complete
 * view of them in this process (no leader: every replica watches for itself). Objects are
 * validated exactly as manifests of the config dir are; an invalid object is left out and
 * reported. Returns at once; `onChange` runs once every collection has been listed.
 */
export function watchKubernetes(api: KubeApi, options: WatchKubernetesOptions): KubernetesWatcher {
  const watcher = new Watcher(api, options);
  watcher.start();
  return watcher;
}
