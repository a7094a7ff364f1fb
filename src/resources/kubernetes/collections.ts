import { resourceKinds } from '../resource-kinds.js';

/** One collection of custom resources the server reads: one kind in one apiVersion. */
export interface WatchedCollection {
  apiVersion: string;
  kind: string;
  /** The lowercase plural of the kind, as its CRD names it (e.g. `authorizations`). */
  plural: string;
  /** The cluster-wide collection path, namespaced kinds included. */
  path: string;
}

/** The CRD plural of a kind: every kind served here is named by its lowercase form and `s`. */
export function pluralOf(kind: string): string {
  return `${kind.toLowerCase()}s`;
}

/** The path of a collection, across all namespaces, or within `namespace`. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${prefix}/${plural}`
    : `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

/**
 * Every collection Kubernetes mode watches: each kind of the resource model in each of its
 * apiVersions (KubernetesFederation in both identity groups). Core `v1` Secrets are not
 * watched: store credentials are read from the API server when a backend needs them.
 */
export function watchedCollections(): WatchedCollection[] {
  return resourceKinds()
    .filter((kind) => kind.kind !== 'Secret')
    .flatMap((kind) =>
      kind.apiVersions.map((apiVersion) => {
        const plural = pluralOf(kind.kind);
        return { apiVersion, kind: kind.kind, plural, path: collectionPath(apiVersion, plural) };
      }),
    );
}
