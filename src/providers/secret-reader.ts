import { FederationError } from '../errors.js';
import type { BackendContext, SecretKeyRef, SecretReader } from './provider.js';

/** A Secret's decoded values, keyed by `namespace/name`. */
export type SecretValues = ReadonlyMap<string, Readonly<Record<string, Buffer>>>;

/**
 * Serves Secret keys from a map replaced whole on every configuration change (the
 * `v1/Secret` manifests of the config dir in standalone mode).
 */
export class MapSecretReader implements SecretReader {
  #secrets: SecretValues = new Map();

  /** Puts a new set of Secrets in force; calls already under way keep what they read. */
  replace(secrets: SecretValues): void {
    this.#secrets = secrets;
  }

  async readSecretKey(ref: Required<SecretKeyRef>): Promise<Buffer> {
    const value = this.#secrets.get(`${ref.namespace}/${ref.name}`)?.[ref.key];
    if (value === undefined) {
      throw new FederationError(
        'StoreNotReady',
        undefined,
        `key ${ref.key} of Secret ${ref.namespace}/${ref.name} does not exist`,
      );
    }
    return value;
  }
}

/**
 * Completes a `SecretKeyRef` with the context's namespace; a ref of a cluster-scoped
 * resource must name its own (the External Secrets Operator requires the same). A ref of
 * a namespaced resource (a generator) may only read its own namespace: whoever may write
 * generators in one namespace must not reach the hub's Secrets in another.
 */
export function resolveSecretKeyRef(
  ref: SecretKeyRef,
  context: BackendContext,
): Required<SecretKeyRef> {
  if (
    context.namespace !== undefined &&
    ref.namespace !== undefined &&
    ref.namespace !== context.namespace
  ) {
    throw new FederationError(
      'StoreNotReady',
      undefined,
      `Secret reference ${ref.name} names namespace ${ref.namespace}; a resource of namespace ${context.namespace} reads Secrets of its own namespace only`,
    );
  }
  const namespace = ref.namespace ?? context.namespace;
  if (namespace === undefined) {
    throw new FederationError(
      'StoreNotReady',
      undefined,
      `Secret reference ${ref.name} names no namespace`,
    );
  }
  return { name: ref.name, key: ref.key, namespace };
}

/** Reads one referenced key as UTF-8 text, e.g. a token or a password. */
export async function readSecretText(
  ref: SecretKeyRef,
  context: BackendContext,
  options?: { signal?: AbortSignal },
): Promise<string> {
  const value = await context.secrets.readSecretKey(resolveSecretKeyRef(ref, context), options);
  return value.toString('utf8');
}

/** A context that has no Secrets, for code paths that never reach a backend. */
export const contextWithoutSecrets: BackendContext = { secrets: new MapSecretReader() };
