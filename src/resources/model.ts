import type { Generator, GeneratorDefinition } from '../generators/generator.js';
import type { SecretProvider } from '../providers/provider.js';

/** A registered client cluster (KubernetesFederation), normalised. */
export interface Federation {
  name: string;
  /** API server base URL, no trailing slash. */
  url: string;
  /** PEM text of the pinned CA, already decoded from base64 when given that way. */
  caBundle?: string;
  /** Expected `iss`; the discovery document's `issuer` when absent. */
  issuer?: string;
  jwksURL?: string;
  /** When non-empty, a token must carry at least one of these in `aud`. */
  audiences?: string[];
}

/** One grant to one identity, normalised from either Authorization subject shape. */
export interface AuthorizationRule {
  name: string;
  federation: string;
  issuer: string;
  subject: string;
  clusterSecretStores: string[];
  generators: { namespace: string; kind: string; name: string; apiVersion: string }[];
  generatorStateNamespaces: string[];
}

/** A ClusterSecretStore with its provider ready to use. */
export interface StoreEntry {
  name: string;
  /** The key under `spec.provider`, e.g. `fake`. */
  providerKey: string;
  provider: SecretProvider;
}

/** A namespaced generator or a ClusterGenerator, with its spec and instance. */
export interface GeneratorEntry {
  /** Empty for a ClusterGenerator. */
  namespace: string;
  /** The kind named in the route: `Password`, ..., or `ClusterGenerator`. */
  kind: string;
  name: string;
  /** The generator kind that really runs (a ClusterGenerator's `spec.kind`). */
  generatorKind: string;
  /** The validated spec, snapshotted into generator state. */
  spec: unknown;
  definition: GeneratorDefinition;
  generator: Generator;
}

/** A core `v1` Secret from the configuration, for providers that serve Kubernetes Secrets. */
export interface SecretEntry {
  namespace: string;
  name: string;
  /** The Secret `type`; `Opaque` when the manifest names none. */
  type: string;
  /** Decoded values: `data` with `stringData` laid over it, as the API server stores them. */
  data: Readonly<Record<string, Buffer>>;
}

/** Everything the request path reads, replaced whole on every reload. */
export interface ConfigSnapshot {
  federations: ReadonlyMap<string, Federation>;
  authorizations: readonly AuthorizationRule[];
  stores: ReadonlyMap<string, StoreEntry>;
  /** Keyed by `generatorKey(namespace, kind, name)`; ClusterGenerators under namespace ''. */
  generators: ReadonlyMap<string, GeneratorEntry>;
  /** `v1` Secrets keyed by `secretKey(namespace, name)`; absent where no source provides them. */
  secrets?: ReadonlyMap<string, SecretEntry>;
}

/** The key of a generator in `ConfigSnapshot.generators`. */
export function generatorKey(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`;
}

/** The key of a Secret in `ConfigSnapshot.secrets`. */
export function secretKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
