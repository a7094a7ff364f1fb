import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { KubeApi } from '../../src/kubernetes/index.js';
import { createLogger } from '../../src/logger.js';
import { collectionPath, pluralOf } from '../../src/resources/kubernetes/index.js';
import { startKubernetesMode } from '../../src/server/kubernetes-mode.js';
import type { KubernetesModeOptions } from '../../src/server/kubernetes-mode.js';
import type { RunningServer } from '../../src/server/standalone.js';
import { KubernetesStateStore } from '../../src/state/index.js';
import { baseManifests, issuerA, issuerB, LogCapture } from './hub.js';
import type { TestHub } from './hub.js';
import type { StandaloneOptions } from '../../src/server/standalone.js';
import { startKubeApiServer } from './kube-api-server.js';
import type { KubeApiServer, KubeObject } from './kube-api-server.js';

/** One hub replica in Kubernetes mode, with its own captured log. */
/**
 * An Authorization (YAML) granting `stores` to cluster A's `team/reader` service account,
 * the identity the Kubernetes-mode tests add and remove grants for.
 */
export function readerAuthorization(name: string, stores: string[]): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: ${name} }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${issuerA}, subject: system:serviceaccount:team:reader }
  allowedClusterSecretStores: [${stores.join(', ')}]
`;
}

export interface KubeReplica {
  url: string;
  logs: LogCapture;
  server: RunningServer;
}

/** A real API server with the CRDs and the baseline objects, two client clusters. */
export interface KubeScene {
  kube: KubeApiServer;
  clusterA: ClientCluster;
  clusterB: ClientCluster;
  /** Starts one more replica against the same API server. */
  startReplica(overrides?: Partial<KubernetesModeOptions>): Promise<KubeReplica>;
  /** Creates or replaces an object given as YAML (one or more documents). */
  apply(yaml: string): Promise<void>;
  /** Deletes one object by kind and name (and namespace for namespaced kinds). */
  remove(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void>;
  close(): Promise<void>;
}

function objectPath(object: KubeObject): string {
  const metadata = object.metadata as { name: string; namespace?: string };
  const base = collectionPath(
    String(object.apiVersion),
    pluralOf(String(object.kind)),
    metadata.namespace,
  );
  return `${base}/${encodeURIComponent(metadata.name)}`;
}

/** Creates the object, or replaces it at its current version when it exists. */
async function applyObject(kube: KubeApiServer, object: KubeObject): Promise<void> {
  const path = objectPath(object);
  const current = await kube.request('GET', path);
  const metadata = object.metadata ?? {};
  const answer =
    current.status === 200
      ? await kube.request('PUT', path, {
          body: {
            ...object,
            metadata: { ...metadata, resourceVersion: current.body.metadata?.resourceVersion },
          },
        })
      : await kube.request('POST', path.slice(0, path.lastIndexOf('/')), { body: object });
  if (answer.status >= 300) {
    throw new Error(`apply ${path}: ${answer.status} ${String(answer.body.message)}`);
  }
}

/** The API server with every CRD, the two client clusters, and the manifests applied. */
async function startKubeBase(
  manifests: (a: ClientCluster, b: ClientCluster) => Record<string, string>,
): Promise<{
  kube: KubeApiServer;
  clusterA: ClientCluster;
  clusterB: ClientCluster;
  apply: (yaml: string) => Promise<void>;
}> {
  const kube = await startKubeApiServer();
  await kube.installCrds();
  const clusterA = await startClientCluster({ issuer: issuerA });
  const clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
  const apply = async (yaml: string): Promise<void> => {
    for (const document of parseAllDocuments(yaml)) {
      const object = document.toJS() as KubeObject | null;
      if (object) await applyObject(kube, object);
    }
  };
  for (const text of Object.values(manifests(clusterA, clusterB))) await apply(text);
  return { kube, clusterA, clusterB, apply };
}

/**
 * Starts the scene: the API server from `shared/kube`, every CRD, the client clusters of
 * the end-to-end tests and the same baseline configuration as standalone mode's, as
 * objects. Replicas started from it stop with `close()`.
 */
export async function startKubeScene(): Promise<KubeScene> {
  const { kube, clusterA, clusterB, apply } = await startKubeBase(baseManifests);
  const dataDir = await mkdtemp(join(tmpdir(), 'fed-kube-hub-'));
  const replicas: RunningServer[] = [];

  return {
    kube,
    clusterA,
    clusterB,
    apply,
    async remove(apiVersion, kind, name, namespace) {
      const path = `${collectionPath(apiVersion, pluralOf(kind), namespace)}/${name}`;
      const answer = await kube.request('DELETE', path);
      if (answer.status >= 300 && answer.status !== 404) {
        throw new Error(`delete ${path}: ${answer.status}`);
      }
    },
    async startReplica(overrides = {}) {
      const logs = new LogCapture();
      const server = await startKubernetesMode({
        kube: { kubeconfig: kube.kubeconfigPath },
        host: '127.0.0.1',
        port: 0,
        logger: createLogger('debug', logs),
        namespace: 'federation-system',
        watchBackoffMs: 100,
        audit: { log: 'off', keyFile: join(dataDir, 'audit.key') },
        ...overrides,
      });
      replicas.push(server);
      return { url: server.url, logs, server };
    },
    async close() {
      for (const server of replicas) await server.close();
      await clusterA.close();
      await clusterB.close();
      await kube.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The `startTestHub` of the end-to-end tests, in Kubernetes mode: the same client clusters
 * and manifests, applied as custom resources of a real API server, and the server started
 * with the same options. It runs when `FEDERATION_TEST_MODE=kubernetes` is set, so that
 * the end-to-end suites check both modes with one set of tests.
 */
export async function startKubernetesTestHub(
  overrides: Partial<StandaloneOptions>,
  manifests?: (a: ClientCluster, b: ClientCluster) => Record<string, string>,
): Promise<TestHub> {
  const { kube, clusterA, clusterB, apply } = await startKubeBase(manifests ?? baseManifests);
  const root = await mkdtemp(join(tmpdir(), 'fed-kube-test-hub-'));

  const namespace = 'federation-system';
  const logs = new LogCapture();
  const dataDir = join(root, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  // The config dir, data dir and their polling belong to standalone mode.
  const rest: Partial<StandaloneOptions> = { ...overrides };
  delete rest.configDir;
  delete rest.dataDir;
  delete rest.configPollIntervalMs;
  delete rest.audit;
  const audit = overrides.audit;
  const auditLog = audit?.log ?? join(dataDir, 'audit.log');
  const server = await startKubernetesMode({
    kube: { kubeconfig: kube.kubeconfigPath },
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('debug', logs),
    namespace,
    watchBackoffMs: 100,
    ...rest,
    audit: {
      log: auditLog,
      keyFile: audit?.keyFile ?? join(dataDir, 'audit.key'),
      sink: audit?.sink,
    },
  });
  // Kubernetes mode listens before its first sync; the tests start once it is in sync.
  for (let waited = 0; server.readiness().length > 0; waited += 50) {
    if (waited > 15_000) throw new Error(`never ready: ${server.readiness().join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // One connection for every store the test opens; a KubernetesStateStore leaves it open.
  let stateApi: KubeApi | undefined;
  const hub: TestHub = {
    url: server.url,
    metricsUrl: server.metricsUrl,
    configDir: root,
    dataDir,
    auditLog,
    clusterA,
    clusterB,
    logs,
    server,
    writeManifest: (_file, text) => apply(text),
    openStateStore: async () => {
      stateApi ??= KubeApi.connect({ kubeconfig: kube.kubeconfigPath });
      return new KubernetesStateStore(stateApi, { fallbackNamespace: namespace });
    },
    close: async () => {
      await hub.server.close();
      await stateApi?.close();
      await clusterA.close();
      await clusterB.close();
      await kube.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return hub;
}
