/** A small client of the Kubernetes API server: requests, watches, and list-watch loops. */
export { isInCluster, KubeApi, serviceAccountNamespace } from './kube-api.js';
export type { KubeConnectionSource, KubeRequest, WatchEvent } from './kube-api.js';
export { KubeApiError } from './kube-api-error.js';
export { ListWatch } from './list-watch.js';
export type {
  KubeObject,
  ListWatchHandler,
  ListWatchLogger,
  ListWatchOptions,
} from './list-watch.js';
