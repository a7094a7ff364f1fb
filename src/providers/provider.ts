import type { z } from 'zod';

/** How a value fetched from a backend is decoded before it is returned (ExternalSecret). */
export type DecodingStrategy = 'None' | 'Base64' | 'Base64URL' | 'Auto';

/** What to read from a store: the ExternalSecret `remoteRef` shape. */
export interface RemoteRef {
  /** The remote key, e.g. a secret name or path. */
  key: string;
  /** A JSON path into the value (dots separate segments); the whole value when absent. */
  property?: string;
  /** A backend-specific version; the current one when absent. */
  version?: string;
  /** Default `None`. */
  decodingStrategy?: DecodingStrategy;
  /** `Fetch` returns the secret's metadata instead of its value; default `None`. */
  metadataPolicy?: 'None' | 'Fetch';
}

/** Passed to every provider call. */
export interface ProviderCallOptions {
  /** Aborted when the caller gives up or the backend timeout elapses. */
  signal?: AbortSignal;
}

/**
 * A secret backend behind one ClusterSecretStore. Errors are `FederationError`s:
 * `NotFound` for a missing key, `BackendError`, `BackendTimeout`, `StoreNotReady`,
 * `InvalidRemoteRef`.
 */
export interface SecretProvider {
  /** The value as a string (a JSON object stays JSON text). */
  getSecret(ref: RemoteRef, options?: ProviderCallOptions): Promise<string>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** One key of a Kubernetes Secret, as the External Secrets Operator's `SecretKeySelector`. */
export interface SecretKeyRef {
  name: string;
  key: string;
  /** Required for cluster-scoped stores; a namespaced generator defaults to its own. */
  namespace?: string;
}

/**
 * Reads backend credentials kept in Kubernetes Secrets: `v1/Secret` manifests of the
 * config dir in standalone mode, the API server in Kubernetes mode. Read at call time, so
 * a rotated Secret is used without rebuilding the store.
 */
export interface SecretReader {
  /**
   * The decoded value of one key. Fails with `StoreNotReady` when the Secret or the key
   * does not exist.
   */
  readSecretKey(ref: Required<SecretKeyRef>, options?: ProviderCallOptions): Promise<Buffer>;
}

/** The part of the server's logger a backend uses (pino's signature: object, then message). */
export interface BackendLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** What a provider or generator may use besides its spec. */
export interface BackendContext {
  secrets: SecretReader;
  /**
   * The namespace a `SecretKeyRef` without one resolves in: a generator's own namespace;
   * undefined for cluster-scoped stores and ClusterGenerators, whose refs must name one.
   */
  namespace?: string;
  /** For warnings and retries; never given a credential or a value. */
  logger?: BackendLogger;
}

/** Registers one `spec.provider.<key>` of ClusterSecretStore. */
export interface ProviderDefinition<Spec = unknown> {
  /** The key under `spec.provider`, e.g. `fake`. */
  readonly key: string;
  /** The one schema source of that provider block. */
  readonly schema: z.ZodType<Spec>;
  create(spec: Spec, context: BackendContext): SecretProvider;
}
