import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AuthenticatorOptions } from '../../src/authn/index.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { createLogger } from '../../src/logger.js';
import { startStandalone } from '../../src/server/standalone.js';
import type { RunningServer } from '../../src/server/standalone.js';
import { appToken, call, LogCapture } from '../support/hub.js';
import type { CallResult } from '../support/hub.js';
import type { FaultProxy } from './fault-proxy.js';

/** One client cluster as a federation sees it: through a fault proxy, under a name. */
export interface FederatedCluster {
  name: string;
  cluster: ClientCluster;
  proxy: FaultProxy;
}

/** Key-set timing of the scene: short enough that a test sees every phase of a fault. */
export const sceneTiming = {
  fetchTimeoutMs: 300,
  refreshIntervalMs: 250,
  maxStaleMs: 2500,
  unknownKidCooldownMs: 5000,
} satisfies Partial<AuthenticatorOptions>;

function indent(text: string, spaces: number): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

/** A federation that reaches its cluster through the proxy, and one grant of `main-store`. */
function manifestsFor({ name, cluster, proxy }: FederatedCluster): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata: { name: ${name} }
spec:
  url: ${proxy.url}
  caBundle: |
${indent(proxy.caPem, 4)}
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: ${name}-app }
spec:
  federationRef: { kind: KubernetesFederation, name: ${name} }
  subject: { issuer: ${cluster.issuer}, subject: system:serviceaccount:app:app-sa }
  allowedClusterSecretStores: [main-store]
`;
}

const storeManifest = `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: { name: main-store }
spec:
  provider:
    fake:
      data:
        - { key: hello, value: world }
`;

/**
 * A fresh hub whose federations reach their clusters through fault proxies, with the key
 * timing of `sceneTiming` and every log line captured. Nothing is cached at the start.
 */
export class IssuerScene {
  readonly logs: LogCapture;
  readonly #server: RunningServer;
  readonly #root: string;

  private constructor(server: RunningServer, logs: LogCapture, root: string) {
    this.#server = server;
    this.logs = logs;
    this.#root = root;
  }

  static async start(federations: readonly FederatedCluster[]): Promise<IssuerScene> {
    const root = await mkdtemp(join(tmpdir(), 'fed-issuer-faults-'));
    const configDir = join(root, 'config');
    await mkdir(configDir);
    for (const federation of federations) {
      await writeFile(join(configDir, `${federation.name}.yaml`), manifestsFor(federation));
    }
    await writeFile(join(configDir, 'store.yaml'), storeManifest);
    const logs = new LogCapture();
    const server = await startStandalone({
      configDir,
      dataDir: join(root, 'data'),
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('debug', logs),
      authn: sceneTiming,
    });
    return new IssuerScene(server, logs, root);
  }

  /** Reads `hello` from `main-store` as `app/app-sa` of the cluster, with a fresh token. */
  readSecret(cluster: ClientCluster, token = appToken(cluster)): Promise<CallResult> {
    return call(this.#server, '/secretstore/main-store/secrets/hello', { token, body: {} });
  }

  /** The log entries of failed fetches of a federation's keys so far, oldest first. */
  fetchFailures(federation: string): Record<string, unknown>[] {
    return this.logs
      .entries()
      .filter(
        (entry) => entry.msg === 'issuer keys fetch failed' && entry.federation === federation,
      );
  }

  async close(): Promise<void> {
    await this.#server.close();
    await rm(this.#root, { recursive: true, force: true });
  }
}

/** Resolves at `time` (ms since the epoch), at once when it has passed. */
export function sleepUntil(time: number): Promise<void> {
  const wait = Math.max(0, time - Date.now());
  return new Promise((resolve) => setTimeout(resolve, wait));
}

/** Runs `action` and returns its result with how long it took, in ms. */
export async function timed<T>(action: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await action();
  return { result, ms: Date.now() - started };
}
