/** Kubernetes mode's configuration source: the hub's custom resources, watched. */
export { collectionPath, pluralOf, watchedCollections } from './collections.js';
export type { WatchedCollection } from './collections.js';
export { StatusWriter } from './status-writer.js';
export type { Condition, KeyFetchResult } from './status-writer.js';
export { objectKey, watchKubernetes } from './watch-kubernetes.js';
export type {
  KubernetesConfig,
  KubernetesWatcher,
  UnlistedCollection,
  WatchKubernetesOptions,
} from './watch-kubernetes.js';
