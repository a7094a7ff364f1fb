import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { KubeConfig } from '@kubernetes/client-node';
import type { User } from '@kubernetes/client-node';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';

import { KubeApiError, kubeApiErrorOf, transportError } from './kube-api-error.js';

/** Where the kubelet mounts a pod's service account: `token`, `ca.crt` and `namespace`. */
const defaultServiceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** One request to the API server. */
export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path from the server root, e.g. `/apis/group/v1/things`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Default `application/json`; `application/merge-patch+json` for a PATCH. */
  contentType?: string;
  signal?: AbortSignal;
  /** Milliseconds for headers and body; default 10000. */
  timeoutMs?: number;
}

/** A watch event as the API server streams it: one JSON object per line. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** How to reach the API server: a kubeconfig file, or the pod's own service account. */
export type KubeConnectionSource = { kubeconfig: string } | { inCluster: true };

/**
 * The directory of the pod's service account files: `FEDERATION_SERVICE_ACCOUNT_DIR`,
 * default `/var/run/secrets/kubernetes.io/serviceaccount`. The in-cluster configuration
 * reads `token` and `ca.crt` from it, and `serve` its `namespace`.
 */
export function serviceAccountDir(): string {
  const dir = process.env.FEDERATION_SERVICE_ACCOUNT_DIR;
  return dir === undefined || dir === '' ? defaultServiceAccountDir : resolve(dir);
}

/**
 * True when this process runs in a pod: the kubelet sets `KUBERNETES_SERVICE_HOST` in every
 * container. Whether the service account files are there is checked when connecting, so
 * that a missing token is reported by its path.
 */
export function isInCluster(): boolean {
  return (process.env.KUBERNETES_SERVICE_HOST ?? '') !== '';
}

/** The namespace of the pod's service account file, or undefined when there is none. */
export function serviceAccountNamespace(): string | undefined {
  try {
    const namespace = readFileSync(join(serviceAccountDir(), 'namespace'), 'utf8').trim();
    return namespace === '' ? undefined : namespace;
  } catch {
    return undefined;
  }
}

function readableFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path} (${code ?? String(error)})`);
  }
}

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];
const tokenFileProvider = 'federation-service-account-token';

/**
 * Puts the service account token into every request, read again as soon as its file
 * changes: the kubelet rotates a projected token by swapping the file, and client-node's
 * own token-file user would go on sending the old one for up to 60 s.
 */
class TokenFileAuthenticator implements Authenticator {
  readonly #path: string;
  #token: string;
  #version = '';

  constructor(path: string) {
    this.#path = path;
    this.#token = readableFile(path).trim();
    if (this.#token === '') throw new Error(`${path} is empty`);
  }

  isAuthProvider(user: User): boolean {
    return (user.authProvider as { name?: string } | undefined)?.name === tokenFileProvider;
  }

  async applyAuthentication(_user: User, options: RequestOptions): Promise<void> {
    await this.#refresh();
    options.headers = { ...options.headers, authorization: `Bearer ${this.#token}` };
  }

  async #refresh(): Promise<void> {
    try {
      const file = await stat(this.#path);
      const version = `${file.ino}/${file.size}/${file.mtimeMs}`;
      if (version === this.#version) return;
      const token = (await readFile(this.#path, 'utf8')).trim();
      if (token === '') return;
      this.#token = token;
      this.#version = version;
    } catch {
      // A file in the middle of a swap may be missing for a moment: the last token serves.
    }
  }
}

/**
 * The pod's own configuration: the API server at `KUBERNETES_SERVICE_HOST` and `_PORT`,
 * trusted with `ca.crt` and called with `token` of {@link serviceAccountDir}.
 */
function inClusterConfig(): KubeConfig {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '') {
    throw new Error('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set');
  }
  const dir = serviceAccountDir();
  const authenticator = new TokenFileAuthenticator(join(dir, 'token'));
  const ca = readableFile(join(dir, 'ca.crt'));
  const config = new KubeConfig();
  config.addAuthenticator(authenticator);
  config.loadFromClusterAndUser(
    {
      name: 'in-cluster',
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      caData: Buffer.from(ca).toString('base64'),
      skipTLSVerify: false,
    },
    { name: 'service-account', authProvider: { name: tokenFileProvider } },
  );
  return config;
}

function queryString(query: KubeRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function headerValues(headers: RequestOptions['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') result[key] = String(value);
  }
  return result;
}

/**
 * A small client of the Kubernetes API server: JSON requests and line-delimited watches.
 * TLS material and credentials come from `@kubernetes/client-node`'s KubeConfig, asked again
 * for every request so that a rotated service account token is picked up.
 */
export class KubeApi {
  readonly server: string;
  readonly #config: KubeConfig;
  #agent: Agent | undefined;

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig names no current cluster');
    this.#config = config;
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** Loads the kubeconfig file, or the in-cluster configuration. */
  static connect(source: KubeConnectionSource): KubeApi {
    const where =
      'kubeconfig' in source ? `kubeconfig ${source.kubeconfig}` : 'in-cluster configuration';
    try {
      if (!('kubeconfig' in source)) return new KubeApi(inClusterConfig());
      const config = new KubeConfig();
      config.loadFromFile(source.kubeconfig);
      return new KubeApi(config);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`cannot use the ${where}: ${detail}`);
    }
  }

  async #prepare(): Promise<{ dispatcher: Dispatcher; headers: Record<string, string> }> {
    const options: RequestOptions = {};
    await this.#config.applyToHTTPSOptions(options);
    this.#agent ??= new Agent({
      connect: {
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.rejectUnauthorized,
        servername: options.servername,
      },
      keepAliveTimeout: 30_000,
    });
    const headers = headerValues(options.headers);
    if (options.auth)
      headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    return { dispatcher: this.#agent, headers };
  }

  /**
   * Sends one request; resolves with the parsed JSON body of a 2xx answer. A 429 (the API
   * server's storage is still initialising, or it sheds load) is retried up to 3 times,
   * waiting as `Retry-After` says, at most a second each.
   */
  async request<T = Record<string, unknown>>(spec: KubeRequest): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#requestOnce<T>(spec);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 429) || attempt > 3) throw error;
        await sleep(Math.min(1000, (error.retryAfterSeconds ?? 1) * 1000), undefined, {
          signal: spec.signal,
        });
      }
    }
  }

  async #requestOnce<T>(spec: KubeRequest): Promise<T> {
    const { dispatcher, headers } = await this.#prepare();
    const timeout = spec.timeoutMs ?? 10_000;
    const method = spec.method ?? 'GET';
    const contentType = spec.contentType ?? 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.server}${spec.path}${queryString(spec.query)}`, {
        method,
        dispatcher,
        headers: {
          ...headers,
          accept: 'application/json',
          ...(spec.body === undefined ? {} : { 'content-type': contentType }),
        },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: spec.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (error) {
      throw transportError(method, spec.path, error);
    }
    const text = await response.body.text().catch(() => '');
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const error = kubeApiErrorOf(method, spec.path, response.statusCode, text);
      const retryAfter = Number(response.headers['retry-after']);
      if (Number.isFinite(retryAfter)) error.retryAfterSeconds = retryAfter;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(method, spec.path, response.statusCode, 'InvalidResponse', 'not JSON');
    }
  }

  /**
   * Streams a watch until the server ends it, `signal` aborts, or an event handler throws.
   * Resolves when the stream ended cleanly; rejects with a {@link KubeApiError} otherwise.
   */
  async watch(
    path: string,
    query: KubeRequest['query'],
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
    idleTimeoutMs: number,
  ): Promise<void> {
    const { dispatcher, headers } = await this.#prepare();
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.server}${path}${queryString({ ...query, watch: 1 })}`, {
        dispatcher,
        headers: { ...headers, accept: 'application/json' },
        signal,
        headersTimeout: 10_000,
        bodyTimeout: idleTimeoutMs,
      });
    } catch (error) {
      throw transportError('WATCH', path, error);
    }
    if (response.statusCode !== 200) {
      const text = await response.body.text().catch(() => '');
      throw kubeApiErrorOf('WATCH', path, response.statusCode, text);
    }
    let pending = '';
    try {
      for await (const chunk of response.body) {
        pending += (chunk as Buffer).toString('utf8');
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line !== '') onEvent(JSON.parse(line) as WatchEvent);
          newline = pending.indexOf('\n');
        }
      }
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      throw transportError('WATCH', path, error);
    }
  }

  async close(): Promise<void> {
    await this.#agent?.close();
  }
}
