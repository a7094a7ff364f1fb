import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { ClientCluster, startClientCluster } from '../../src/dev/client-cluster.js';
import type { MintTokenOptions } from '../../src/dev/service-account-token.js';
import { createLogger } from '../../src/logger.js';
import { startStandalone } from '../../src/server/standalone.js';
import type { RunningServer, StandaloneOptions } from '../../src/server/standalone.js';
import { openSqliteStateStore } from '../../src/state/index.js';
import type { StateStore } from '../../src/state/index.js';

/** Every log line the server wrote, as text, for assertions that nothing leaks. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    done();
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestHub {
  url: string;
  /** `http://127.0.0.1:port/metrics` when started with `metricsListen`. */
  metricsUrl?: string;
  configDir: string;
  dataDir: string;
  /** The audit trail file: `<dataDir>/audit.log` unless the options name another. */
  auditLog: string;
  clusterA: ClientCluster;
  clusterB: ClientCluster;
  logs: LogCapture;
  server: RunningServer;
  /** Writes (or replaces) one manifest file of the config dir. */
  writeManifest(file: string, text: string): Promise<void>;
  /**
   * Opens the generator state the hub keeps: its SQLite file in standalone mode, its
   * GeneratorState objects in Kubernetes mode. The caller closes it.
   */
  openStateStore(): Promise<StateStore>;
  close(): Promise<void>;
}

/**
 * True when `FEDERATION_TEST_MODE=kubernetes` makes {@link startTestHub} start the hub in
 * Kubernetes mode; a test that only standalone mode can pass skips itself on it.
 */
export const isKubernetesMode = process.env.FEDERATION_TEST_MODE === 'kubernetes';

/** Issuers of the two test client clusters: real-looking, and not their URLs. */
export const issuerA = 'https://oidc.cluster-a.example.com';
export const issuerB = 'https://oidc.cluster-b.example.com';

/** A ServiceAccount token of `app/app-sa` in pod `app-0`, unless options say otherwise. */
export function appToken(cluster: ClientCluster, options: MintTokenOptions = {}): string {
  return cluster.mintToken({
    namespace: 'app',
    serviceAccount: 'app-sa',
    pod: { name: 'app-0', uid: '11111111-1111-4111-8111-111111111111' },
    ...options,
  });
}

function indent(text: string, spaces: number): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

/** A KubernetesFederation manifest for a test cluster; `pinned` puts its CA in caBundle. */
export function federationManifest(
  name: string,
  cluster: ClientCluster,
  extra: { pinned?: boolean; audiences?: string[]; apiVersion?: string } = {},
): string {
  const lines = [
    `apiVersion: ${extra.apiVersion ?? 'federation.external-secrets.io/v1alpha1'}`,
    'kind: KubernetesFederation',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  url: ${cluster.url}`,
  ];
  if (extra.pinned) lines.push('  caBundle: |', indent(cluster.caPem, 4));
  if (extra.audiences) lines.push('  audiences:', ...extra.audiences.map((a) => `    - ${a}`));
  return `${lines.join('\n')}\n`;
}

/** The baseline configuration of the end-to-end tests. */
export function baseManifests(
  clusterA: ClientCluster,
  clusterB: ClientCluster,
): Record<string, string> {
  return {
    'federations.yaml': `${federationManifest('cluster-a', clusterA)}---\n${federationManifest(
      'cluster-b',
      clusterB,
      { pinned: true },
    )}`,
    'authorizations.yaml': `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: app-a
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject:
    issuer: ${issuerA}
    subject: system:serviceaccount:app:app-sa
  allowedClusterSecretStores: [main-store]
  allowedGenerators:
    - { name: db-password, kind: Password, namespace: gen }
    - { name: request-id, kind: UUID, namespace: gen }
    - { name: static, kind: Fake, namespace: gen }
    - { name: deploy-key, kind: SSHKey, namespace: gen }
    - { name: shared-password, kind: ClusterGenerator, namespace: gen }
  allowedGeneratorStates:
    - namespace: gen
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: app-b
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-b }
  subject:
    oidc:
      issuer: ${issuerB}
      subject: system:serviceaccount:app:app-sa
  allowedClusterSecretStores: [other-store]
  allowedGenerators:
    - { name: db-password, kind: Password, namespace: gen }
`,
    'stores.yaml': `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: main-store
spec:
  provider:
    fake:
      data:
        - { key: hello, value: world }
        - { key: db/credentials, value: '{"username":"app","password":"pw-main-0001","nested":{"port":5432}}' }
        - { key: versioned, value: old-value, version: v1 }
        - { key: versioned, value: new-value, version: v2 }
        - { key: encoded, value: c2VjcmV0LWZyb20tYmFzZTY0 }
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: other-store
spec:
  provider:
    fake:
      data:
        - { key: hello, value: other-world }
---
apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: ungranted-store
spec:
  provider:
    fake:
      data:
        - { key: hello, value: never-served }
`,
    'generators.yaml': `apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: { name: db-password, namespace: gen }
spec: { length: 20, digits: 4, symbols: 2 }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: UUID
metadata: { name: request-id, namespace: gen }
spec: {}
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Fake
metadata: { name: static, namespace: gen }
spec:
  data: { username: fake-user, token: fake-generated-value }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: SSHKey
metadata: { name: deploy-key, namespace: gen }
spec: { keyType: ed25519, comment: deploy@hub }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: ClusterGenerator
metadata: { name: shared-password }
spec:
  kind: Password
  generator:
    passwordSpec: { length: 16, symbols: 0 }
---
apiVersion: generators.external-secrets.io/v1alpha1
kind: Password
metadata: { name: db-password, namespace: other }
spec: { length: 12 }
`,
  };
}

/**
 * Starts two client clusters and the server in standalone mode on a fresh config dir and
 * data dir, with every log line captured.
 */
export async function startTestHub(
  overrides: Partial<StandaloneOptions> = {},
  manifests?: (a: ClientCluster, b: ClientCluster) => Record<string, string>,
): Promise<TestHub> {
  if (isKubernetesMode) {
    const { startKubernetesTestHub } = await import('./kube-hub.js');
    return startKubernetesTestHub(overrides, manifests);
  }
  const root = await mkdtemp(join(tmpdir(), 'fed-hub-'));
  const configDir = join(root, 'config');
  const dataDir = join(root, 'data');
  const clusterA = await startClientCluster({ issuer: issuerA });
  const clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(configDir);
  const files = (manifests ?? baseManifests)(clusterA, clusterB);
  for (const [file, text] of Object.entries(files)) await writeFile(join(configDir, file), text);

  const logs = new LogCapture();
  const server = await startStandalone({
    configDir,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('debug', logs),
    configPollIntervalMs: 200,
    ...overrides,
  });
  const hub: TestHub = {
    url: server.url,
    metricsUrl: server.metricsUrl,
    configDir,
    dataDir,
    auditLog: overrides.audit?.log ?? join(dataDir, 'audit.log'),
    clusterA,
    clusterB,
    logs,
    server,
    writeManifest: (file, text) => writeFile(join(configDir, file), text),
    openStateStore: async () => openSqliteStateStore(dataDir),
    close: async () => {
      // The server may have been replaced by a test that restarts it.
      await hub.server.close();
      await clusterA.close();
      await clusterB.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  return hub;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  method?: 'POST' | 'DELETE' | 'GET';
}

export interface CallResult {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

/** One HTTP call to the server, as a client would make it. */
export async function call(
  hub: { url: string },
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${hub.url}${path}`, {
    method: options.method ?? 'POST',
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** The body a pod of `cluster` sends: its CA as base64 of the PEM. */
export function caBody(
  cluster: ClientCluster,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { 'ca.crt': Buffer.from(cluster.caPem).toString('base64'), ...extra };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the elapsed ms. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The `reason` of an error answer; `undefined` for any other answer. */
export function reasonOf(result: CallResult): string | undefined {
  return (result.body as { reason?: string } | undefined)?.reason;
}
