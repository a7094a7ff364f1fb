import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Authenticator } from '../../src/authn/index.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { createLogger } from '../../src/logger.js';
import { FederationMetrics } from '../../src/metrics/index.js';
import type {
  ProviderCallOptions,
  RemoteRef,
  SecretProvider,
} from '../../src/providers/provider.js';
import { MapSecretReader } from '../../src/providers/secret-reader.js';
import { loadConfigDir, SnapshotBuilder } from '../../src/resources/index.js';
import type { ConfigSnapshot, StoreEntry } from '../../src/resources/index.js';
import { buildApp } from '../../src/server/app.js';
import { LiveConfig } from '../../src/server/live-config.js';
import { RateLimiter } from '../../src/server/rate-limit.js';
import { openSqliteStateStore } from '../../src/state/index.js';
import { federationManifest, issuerA, LogCapture } from '../support/hub.js';

/**
 * A store provider of this suite only: it reads each secret with a real HTTP request to a
 * loopback server the test controls, as a network provider would. The shipped `fake`
 * provider never touches a network, and the network providers (issue #5) need backends
 * this suite does not run. A failure carries the backend's own words, as a careless
 * provider's would: the server must keep them from the client.
 *
 * `honoursAbort: false` gives a provider that ignores the abort signal, so that its call
 * outlives its deadline for as long as the backend holds the connection.
 */
export function loopbackProvider(
  baseUrl: string,
  options = { honoursAbort: true },
): SecretProvider {
  return {
    getSecret: async (ref: RemoteRef, call?: ProviderCallOptions) => {
      const signal = options.honoursAbort ? call?.signal : undefined;
      const response = await fetch(`${baseUrl}/${encodeURIComponent(ref.key)}`, { signal });
      const text = await response.text();
      if (!response.ok) throw new Error(`backend answered ${response.status}: ${text}`);
      return text;
    },
  };
}

function manifests(cluster: ClientCluster, extraStores: readonly string[]): string {
  return `${federationManifest('cluster-a', cluster, { pinned: true })}---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: app }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${issuerA}, subject: system:serviceaccount:app:app-sa }
  allowedClusterSecretStores: [${['main-store', ...extraStores].join(', ')}]
  allowedGenerators:
    - { name: db-password, kind: Password, namespace: gen }
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: { name: main-store }
spec:
  provider:
    fake:
      data:
        - { key: hello, value: world }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: { name: db-password, namespace: gen }
spec: { length: 20 }
`;
}

export interface BackendHub {
  url: string;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The HTTP API on a configuration read from manifests (a `fake` store `main-store`, a
 * Password generator `gen/db-password`, a grant of both to `app/app-sa` of `cluster`),
 * plus the given stores, which no manifest can describe, granted to the same identity.
 */
export async function startBackendHub(
  cluster: ClientCluster,
  stores: Record<string, SecretProvider>,
  backendTimeoutMs: number,
): Promise<BackendHub> {
  const root = await mkdtemp(join(tmpdir(), 'fed-backend-faults-'));
  await mkdir(join(root, 'config'));
  await writeFile(join(root, 'config', 'hub.yaml'), manifests(cluster, Object.keys(stores)));
  const load = await loadConfigDir(join(root, 'config'));
  if (load.problems.length > 0) throw new Error(JSON.stringify(load.problems));
  const secrets = new MapSecretReader();
  const builder = new SnapshotBuilder({ secrets });
  const built = builder.build(load.documents).snapshot;
  const extra: [string, StoreEntry][] = Object.entries(stores).map(([name, provider]) => [
    name,
    { name, providerKey: 'loopback', provider },
  ]);
  const snapshot: ConfigSnapshot = { ...built, stores: new Map([...built.stores, ...extra]) };

  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const config = new LiveConfig();
  config.apply(snapshot);
  const state = openSqliteStateStore(join(root, 'data'));
  const authenticator = new Authenticator({ logger });
  const metrics = new FederationMetrics();
  const app = buildApp({
    config,
    authenticator,
    credentials: { state, logger, stateTtlMs: 60_000, backendTimeoutMs, metrics, secrets },
    logger,
    metrics,
    options: { backendTimeoutMs },
    readiness: () => [],
    rateLimiter: new RateLimiter({ ratePerSecond: 0, burst: 1 }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    close: async () => {
      await app.close();
      await authenticator.close();
      await builder.close();
      await state.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
