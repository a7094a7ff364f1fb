/** Prometheus metrics: the catalogue, one registry per server, and the scrape endpoint. */
export { metricDefinitions } from './definitions.js';
export type { MetricKey } from './definitions.js';
export { listenForScrapes } from './listener.js';
export type { MetricsListener } from './listener.js';
export { FederationMetrics } from './registry.js';
export type {
  CallObserver,
  CompletedRequest,
  FederationMetricsOptions,
  KeySetAge,
  MetricsSources,
} from './registry.js';
