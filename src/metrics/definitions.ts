/**
 * Every metric the server exports: name, type, help text and label names. `docs/metrics.md`
 * lists the same table and a test keeps both in step. Names are API for dashboards and
 * alerts: add metrics and labels, never rename one.
 *
 * Labels only ever hold values the configuration or the code bounds: route patterns,
 * statuses, catalogue reasons, federation, store and generator kind names. Never an issuer,
 * a subject, a secret name or anything else a caller chooses.
 */

/** Seconds; from well under a millisecond (a cached read) to the default backend timeout. */
const requestBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Seconds; backend calls reach the network, so the buckets start higher and end later. */
const backendBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metricDefinitions = {
  requests: {
    type: 'counter',
    name: 'federation_http_requests_total',
    help: 'HTTP API requests answered, by method, route pattern, status and error reason.',
    labelNames: ['method', 'route', 'status', 'reason'],
  },
  requestDuration: {
    type: 'histogram',
    name: 'federation_http_request_duration_seconds',
    help: 'Time from receiving an HTTP API request to the end of its answer, in seconds.',
    labelNames: ['method', 'route', 'status'],
    buckets: requestBuckets,
  },
  authentications: {
    type: 'counter',
    name: 'federation_authentications_total',
    help: 'Bearer tokens checked, by federation and result (success, or the error reason).',
    labelNames: ['federation', 'result'],
  },
  jwksFetches: {
    type: 'counter',
    name: 'federation_jwks_fetches_total',
    help: "Fetches of a federation's signing keys (discovery and JWKS), by federation and result.",
    labelNames: ['federation', 'result'],
  },
  keySetAge: {
    type: 'gauge',
    name: 'federation_jwks_key_set_age_seconds',
    help: 'Age of the signing keys in use for each federation, in seconds.',
    labelNames: ['federation'],
  },
  storeCalls: {
    type: 'counter',
    name: 'federation_store_calls_total',
    help: 'Secret reads from a ClusterSecretStore, by store, provider and result.',
    labelNames: ['store', 'provider', 'result'],
  },
  storeCallDuration: {
    type: 'histogram',
    name: 'federation_store_call_duration_seconds',
    help: 'Duration of secret reads from a ClusterSecretStore, in seconds.',
    labelNames: ['store', 'provider'],
    buckets: backendBuckets,
  },
  storeCacheReads: {
    type: 'counter',
    name: 'federation_store_cache_reads_total',
    help: 'Reads of stores with a response cache, by store and result (hit, miss or joined).',
    labelNames: ['store', 'result'],
  },
  generatorCalls: {
    type: 'counter',
    name: 'federation_generator_calls_total',
    help: 'Generator runs and revocations, by generator kind, operation and result.',
    labelNames: ['generator_kind', 'operation', 'result'],
  },
  generatorCallDuration: {
    type: 'histogram',
    name: 'federation_generator_call_duration_seconds',
    help: 'Duration of generator runs and revocations, in seconds.',
    labelNames: ['generator_kind', 'operation'],
    buckets: backendBuckets,
  },
  statesIssued: {
    type: 'counter',
    name: 'federation_generator_states_issued_total',
    help: 'Generator states recorded for values handed out, by generator kind.',
    labelNames: ['generator_kind'],
  },
  statesRevoked: {
    type: 'counter',
    name: 'federation_generator_states_revoked_total',
    help: 'Generator states revoked and deleted, by generator kind and trigger (request or expiry).',
    labelNames: ['generator_kind', 'trigger'],
  },
  statesLive: {
    type: 'gauge',
    name: 'federation_generator_states_live',
    help: 'Generator states on record (pending ones included).',
    labelNames: [],
  },
  configReloads: {
    type: 'counter',
    name: 'federation_config_reloads_total',
    help: 'Loads of the configuration directory, by result (applied or failed).',
    labelNames: ['result'],
  },
  configBrokenFiles: {
    type: 'gauge',
    name: 'federation_config_broken_files',
    help: 'Manifest files whose current content was rejected at the last load.',
    labelNames: [],
  },
  auditLines: {
    type: 'counter',
    name: 'federation_audit_lines_total',
    help: 'Audit trail lines, by result (written, or failed when the sink refused them).',
    labelNames: ['result'],
  },
} as const;

/** The key of one definition, e.g. `requests`. */
export type MetricKey = keyof typeof metricDefinitions;
