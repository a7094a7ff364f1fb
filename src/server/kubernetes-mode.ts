import type { AuditSettings } from '../audit/index.js';
import { KubeApi } from '../kubernetes/index.js';
import type { KubeConnectionSource } from '../kubernetes/index.js';
import { ApiSecretReader } from '../providers/api-secret-reader.js';
import { StatusWriter, watchKubernetes } from '../resources/kubernetes/index.js';
import type { KubernetesWatcher, UnlistedCollection } from '../resources/kubernetes/index.js';
import { KubernetesStateStore } from '../state/index.js';
import { startServer } from './start-server.js';
import type { ConfigSource, RunningServer, ServerOptions } from './start-server.js';

/** Everything `federation-server serve --kubeconfig` (or in a pod) takes. */
export interface KubernetesModeOptions extends ServerOptions {
  /** A kubeconfig file, or the pod's own service account. */
  kube: KubeConnectionSource;
  /**
   * The server's own namespace, where states of a generator called without one go;
   * default `default`.
   */
  namespace?: string;
  /** Write `status` of federations and authorizations; default true. */
  writeStatus?: boolean;
  /** First backoff of the watches after a failure; ms, default 250. */
  watchBackoffMs?: number;
  /** The audit trail: `log` and `keyFile` have no default here (see `serve`). */
  audit: AuditSettings;
}

/** A `/readyz` entry for a collection not listed yet: its path, and why when it fails. */
function waitingForList(collection: UnlistedCollection): string {
  const entry = `kubernetes: first list of ${collection.path}`;
  if (collection.isNotServed) {
    return `${entry} (not served: is the ${collection.kind} CRD installed?)`;
  }
  return collection.failure === undefined ? entry : `${entry} (failing: ${collection.failure})`;
}

function kubernetesSource(options: KubernetesModeOptions): ConfigSource {
  const { logger } = options;
  const api = KubeApi.connect(options.kube);
  const secrets = new ApiSecretReader(api);
  const state = new KubernetesStateStore(api, { fallbackNamespace: options.namespace });
  const status = options.writeStatus === false ? undefined : new StatusWriter(api, logger);
  let watcher: KubernetesWatcher | undefined;
  return {
    state,
    secrets,
    describe: { kubernetes: api.server },
    keySetObserver: status && {
      keySetFetched: (federation, result, detail) =>
        void status.keysFetched(federation, { result, ...detail, at: new Date() }),
    },
    async start(apply) {
      watcher = watchKubernetes(api, {
        logger,
        secrets,
        backoffMs: options.watchBackoffMs,
        onChange: async (config) => {
          apply(config.snapshot, config.report);
          await status?.update(config);
        },
        onStatusChange: (object) => status?.statusChanged(object),
      });
    },
    waitingFor: () => watcher?.unlisted().map(waitingForList) ?? [],
    // Watches apply every change as it happens; there is nothing to read again.
    refresh: async () => undefined,
    async close() {
      await watcher?.close();
      await state.close();
      await api.close();
    },
  };
}

/**
 * Starts the hub in Kubernetes mode: its resources watched on the API server (every replica
 * keeps its own complete view), generator state as GeneratorState objects, credentials
 * from core Secrets. Resolves once the server listens; `/readyz` reports not ready until
 * every collection has been listed.
 */
export function startKubernetesMode(options: KubernetesModeOptions): Promise<RunningServer> {
  return startServer(options, kubernetesSource(options), options.audit);
}
