import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { Agent, request, type Dispatcher } from 'undici';

import { repoPath } from './repo.js';
import { buildCrds, type CustomResourceDefinition } from '../../src/resources/crds/index.js';

const run = promisify(execFile);

/** The shared scripts that run apiextensions-apiserver over etcd (see their README). */
export const kubeScripts =
  process.env.KUBE_SCRIPTS ??
  [repoPath('..', 'shared', 'kube'), '/work/shared/kube'].find((path) =>
    existsSync(join(path, 'start.sh')),
  ) ??
  '/work/shared/kube';

/** An answer of the API server: status and parsed JSON body. */
export interface KubeResponse {
  status: number;
  body: KubeObject;
}

/** A Kubernetes object or Status, loosely typed: tests read the fields they check. */
export type KubeObject = Record<string, unknown> & {
  kind?: string;
  message?: string;
  metadata?: { name?: string; resourceVersion?: string; [key: string]: unknown };
  items?: KubeObject[];
};

export interface KubeRequestOptions {
  body?: unknown;
  /** Default `application/json`; e.g. `application/merge-patch+json` for PATCH. */
  contentType?: string;
  accept?: string;
}

/**
 * A real Kubernetes API server (CRDs and custom resources only, no core API) started in a
 * temporary folder, with an admin client certificate.
 */
export interface KubeApiServer {
  /** Base URL, e.g. https://127.0.0.1:43261. */
  url: string;
  /** A kubeconfig with the admin user, as a client library reads it. */
  kubeconfigPath: string;
  caPath: string;
  /** PEM of the API server's CA, the admin client certificate and its key. */
  ca: string;
  clientCert: string;
  clientKey: string;
  /** The working folder: etcd data, logs, certificates. */
  directory: string;
  /** One request as the admin user; answers 429 while storage initialises are retried. */
  request(
    method: Dispatcher.HttpMethod,
    path: string,
    options?: KubeRequestOptions,
  ): Promise<KubeResponse>;
  /** Creates `crds` (default: all generated ones) and waits until each is served. */
  installCrds(crds?: readonly CustomResourceDefinition[]): Promise<void>;
  /**
   * Stops only the API server and starts it again after `downSeconds` (default 1), on the
   * same port and etcd data; resolves once it answers again.
   */
  restart(downSeconds?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function readEnv(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] ?? '', match[2] ?? '']);
  return Object.fromEntries(entries);
}

async function send(
  agent: Agent,
  url: string,
  method: Dispatcher.HttpMethod,
  options: KubeRequestOptions,
): Promise<KubeResponse> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await request(url, {
      method,
      dispatcher: agent,
      headers: {
        accept: options.accept ?? 'application/json',
        ...(options.body === undefined
          ? {}
          : { 'content-type': options.contentType ?? 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.body.text();
    // Right after a start the API server answers 429 until its storage is ready.
    if (response.statusCode === 429 && attempt < 50) {
      await sleep(200);
      continue;
    }
    let body: KubeObject;
    try {
      body = text === '' ? {} : (JSON.parse(text) as KubeObject);
    } catch {
      // Right after a restart, custom resource paths answer a plain-text 404 until the
      // CRDs are registered again.
      if (attempt < 50) {
        await sleep(200);
        continue;
      }
      throw new Error(`${method} ${url}: ${response.statusCode}, not JSON`);
    }
    return { status: response.statusCode, body };
  }
}

/** The collection path of a CRD's objects, namespaced ones in `namespace`. */
export function resourcePath(crd: CustomResourceDefinition, namespace = 'default'): string {
  const version = crd.spec.versions[0]?.name ?? '';
  const base = `/apis/${crd.spec.group}/${version}`;
  const scope = crd.spec.scope === 'Namespaced' ? `/namespaces/${namespace}` : '';
  return `${base}${scope}/${crd.spec.names.plural}`;
}

function isEstablished(crd: KubeObject): boolean {
  const status = crd.status as { conditions?: { type: string; status: string }[] } | undefined;
  return (status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

async function waitUntilServed(server: KubeApiServer, crd: CustomResourceDefinition) {
  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const current = await server.request('GET', crdPath);
    // Established can precede the first successful list by a moment.
    if (isEstablished(current.body)) {
      const list = await server.request('GET', resourcePath(crd));
      if (list.status === 200) return;
    }
    await sleep(100);
  }
  throw new Error(`CRD ${crd.metadata.name} never became established`);
}

/** Starts the API server in a new temporary folder; call `stop()` in `after`. */
export async function startKubeApiServer(): Promise<KubeApiServer> {
  const directory = await mkdtemp(join(tmpdir(), 'kube-api-'));
  await run(join(kubeScripts, 'start.sh'), [directory], { timeout: 60_000 });
  const env = readEnv(await readFile(join(directory, 'env'), 'utf8'));
  const pki = join(directory, 'pki');
  const [ca, clientCert, clientKey] = await Promise.all(
    ['ca.crt', 'admin.crt', 'admin.key'].map((name) => readFile(join(pki, name), 'utf8')),
  );
  const agent = new Agent({ connect: { ca, cert: clientCert, key: clientKey } });
  const url = env.KUBE_URL ?? '';

  const server: KubeApiServer = {
    url,
    kubeconfigPath: join(directory, 'kubeconfig'),
    caPath: join(directory, 'ca.crt'),
    ca: ca ?? '',
    clientCert: clientCert ?? '',
    clientKey: clientKey ?? '',
    directory,
    request: (method, path, options = {}) => send(agent, `${url}${path}`, method, options),
    async installCrds(crds = buildCrds()) {
      // Created and awaited all at once: the API server establishes them side by side.
      await Promise.all(
        crds.map(async (crd) => {
          const created = await server.request(
            'POST',
            '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
            { body: crd },
          );
          if (created.status !== 201) {
            throw new Error(`CRD ${crd.metadata.name}: ${created.status} ${created.body.message}`);
          }
        }),
      );
      await Promise.all(crds.map((crd) => waitUntilServed(server, crd)));
    },
    async restart(downSeconds = 1) {
      const script = join(kubeScripts, 'restart-apiserver.sh');
      await run(script, [directory, String(downSeconds)], { timeout: 60_000 + downSeconds * 1000 });
    },
    async stop() {
      await agent.close();
      await run(join(kubeScripts, 'stop.sh'), [directory], { timeout: 30_000 });
      await rm(directory, { recursive: true, force: true });
    },
  };
  return server;
}
