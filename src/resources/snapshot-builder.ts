import type { BackendContext, SecretProvider, SecretReader } from '../providers/provider.js';
import { MapSecretReader } from '../providers/secret-reader.js';
import { ResponseCache } from '../providers/response-cache.js';
import { objectProblem } from './merge-resources.js';
import type {
  ConfigSnapshot,
  Federation,
  GeneratorEntry,
  SecretEntry,
  StoreEntry,
} from './model.js';
import { generatorKey, secretKey } from './model.js';
import type { Problem } from './problem.js';
import type { AuthorizationResource, Resource } from './resource.js';

/** The subset of a pino logger this folder uses: an object first, then a fixed message. */
export interface ConfigLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** A new snapshot, and the objects that could not be turned into live instances. */
export interface SnapshotBuild {
  snapshot: ConfigSnapshot;
  problems: Problem[];
}

interface Kept<Entry> {
  fingerprint: string;
  entry: Entry;
}

/** Equal for equal specs whatever the key order, so an unchanged spec keeps its instance. */
function fingerprint(...parts: unknown[]): string {
  return JSON.stringify(parts, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns validated resources into the snapshot the request path reads. Provider and
 * generator instances are reused while their spec stays the same; a provider whose store
 * was removed or changed is closed once the new snapshot exists. When an instance cannot be
 * created, the previous one of that object (if any) stays and a problem is reported.
 */
export class SnapshotBuilder {
  #stores = new Map<string, Kept<StoreEntry>>();
  #generators = new Map<string, Kept<GeneratorEntry>>();
  readonly #closing = new Set<Promise<void>>();
  readonly #logger: ConfigLogger | undefined;
  readonly #secrets: SecretReader;

  /**
   * `secrets` is the reader the built providers and generators get. A `MapSecretReader`
   * gets the Secrets of every build put in force (the config dir's `v1/Secret` manifests);
   * another reader (the API server's) is used as it is. Default: a map reader of its own.
   */
  constructor(options: { logger?: ConfigLogger; secrets?: SecretReader } = {}) {
    this.#logger = options.logger;
    this.#secrets = options.secrets ?? new MapSecretReader();
  }

  build(resources: readonly Resource[]): SnapshotBuild {
    const problems: Problem[] = [];
    const federations = new Map<string, Federation>();
    const authorizations: AuthorizationResource[] = [];
    const secrets = new Map<string, SecretEntry>();
    const stores = new Map<string, Kept<StoreEntry>>();
    const generators = new Map<string, Kept<GeneratorEntry>>();

    for (const resource of resources) {
      if (resource.type === 'federation') federations.set(resource.ref.name, resource.federation);
      if (resource.type === 'authorization') authorizations.push(resource);
      if (resource.type === 'secret') {
        secrets.set(secretKey(resource.ref.namespace, resource.ref.name), resource.secret);
      }
      if (resource.type === 'store') this.#buildStore(resource, stores, problems);
      if (resource.type === 'generator') this.#buildGenerator(resource, generators, problems);
    }

    if (this.#secrets instanceof MapSecretReader) {
      this.#secrets.replace(new Map([...secrets].map(([key, entry]) => [key, entry.data])));
    }
    this.#retire(stores);
    this.#stores = stores;
    this.#generators = generators;
    const snapshot: ConfigSnapshot = {
      federations,
      authorizations: authorizations
        .sort((a, b) => (a.ref.name < b.ref.name ? -1 : a.ref.name > b.ref.name ? 1 : 0))
        .map((resource) => resource.rule),
      stores: new Map([...stores].map(([name, kept]) => [name, kept.entry])),
      generators: new Map([...generators].map(([key, kept]) => [key, kept.entry])),
      secrets,
    };
    return { snapshot, problems };
  }

  /** Closes every live provider, and waits for those already closing. */
  async close(): Promise<void> {
    this.#retire(new Map());
    this.#stores = new Map();
    this.#generators = new Map();
    await Promise.all([...this.#closing]);
  }

  #buildStore(
    resource: Resource & { type: 'store' },
    stores: Map<string, Kept<StoreEntry>>,
    problems: Problem[],
  ): void {
    const { ref, definition, providerKey, providerSpec, cacheTtlMs } = resource;
    const print = fingerprint(providerKey, providerSpec, cacheTtlMs ?? 0);
    const previous = this.#stores.get(ref.name);
    if (previous?.fingerprint === print) {
      stores.set(ref.name, previous);
      return;
    }
    try {
      const backend = definition.create(providerSpec, this.#context(''));
      const provider = cacheTtlMs ? new ResponseCache(backend, { ttlMs: cacheTtlMs }) : backend;
      stores.set(ref.name, {
        fingerprint: print,
        entry: { name: ref.name, providerKey, provider },
      });
    } catch (error) {
      problems.push(
        objectProblem(
          ref,
          `spec.provider.${providerKey}`,
          `cannot create the provider: ${reason(error)}`,
        ),
      );
      if (previous !== undefined) stores.set(ref.name, previous);
    }
  }

  #buildGenerator(
    resource: Resource & { type: 'generator' },
    generators: Map<string, Kept<GeneratorEntry>>,
    problems: Problem[],
  ): void {
    const { ref, definition, generatorKind, spec } = resource;
    const key = generatorKey(ref.namespace, ref.kind, ref.name);
    const print = fingerprint(generatorKind, spec);
    const previous = this.#generators.get(key);
    if (previous?.fingerprint === print) {
      generators.set(key, previous);
      return;
    }
    try {
      if (ref.namespace !== '') refuseForeignSecretRefs(spec, ref.namespace);
      const generator = definition.create(spec, this.#context(ref.namespace));
      const entry: GeneratorEntry = {
        namespace: ref.namespace,
        kind: ref.kind,
        name: ref.name,
        generatorKind,
        spec,
        definition,
        generator,
      };
      generators.set(key, { fingerprint: print, entry });
    } catch (error) {
      problems.push(objectProblem(ref, 'spec', `cannot create the generator: ${reason(error)}`));
      if (previous !== undefined) generators.set(key, previous);
    }
  }

  // Cluster-scoped resources ('' namespace) must name the namespace of every Secret ref.
  #context(namespace: string): BackendContext {
    return {
      secrets: this.#secrets,
      namespace: namespace === '' ? undefined : namespace,
      logger: this.#logger,
    };
  }

  /** Closes the providers of the current stores that `next` does not keep. */
  #retire(next: ReadonlyMap<string, Kept<StoreEntry>>): void {
    for (const [name, kept] of this.#stores) {
      if (next.get(name) === kept) continue;
      this.#closeProvider(name, kept.entry.provider);
    }
  }

  #closeProvider(store: string, provider: SecretProvider): void {
    const closing = Promise.resolve()
      .then(() => provider.close?.())
      .catch((error: unknown) => {
        this.#logger?.warn({ store, err: reason(error) }, 'closing a store provider failed');
      })
      .finally(() => this.#closing.delete(closing));
    this.#closing.add(closing);
  }
}

/** The members a reference to a Secret (or a CA in one) may have. */
const secretRefMembers = new Set(['name', 'key', 'namespace', 'type']);

/**
 * Throws when a namespaced generator's spec references a Secret of another namespace:
 * any object of only `name`, `key`, `namespace` (and a `caProvider`'s `type`) whose
 * `namespace` is not the generator's. The same rule holds when a Secret is read; checking
 * at load tells the operator at once.
 */
function refuseForeignSecretRefs(value: unknown, namespace: string, path = 'spec'): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => refuseForeignSecretRefs(item, namespace, `${path}[${index}]`));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const isRef = typeof record.name === 'string' && keys.every((key) => secretRefMembers.has(key));
  if (isRef && typeof record.namespace === 'string' && record.namespace !== namespace) {
    throw new Error(
      `${path} names namespace ${record.namespace}; a generator of namespace ${namespace} may only reference Secrets of its own namespace`,
    );
  }
  for (const key of keys) refuseForeignSecretRefs(record[key], namespace, `${path}.${key}`);
}
