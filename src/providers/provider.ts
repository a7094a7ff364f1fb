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

/** Registers one `spec.provider.<key>` of ClusterSecretStore. */
export interface ProviderDefinition<Spec = unknown> {
  /** The key under `spec.provider`, e.g. `fake`. */
  readonly key: string;
  /** The one schema source of that provider block. */
  readonly schema: z.ZodType<Spec>;
  create(spec: Spec): SecretProvider;
}
