import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

import { TestCa, type IssuedCertificate } from './test-certificates.js';

/** One Secret the test API server holds. */
export interface CoreSecret {
  /** Plain values; sent base64-encoded, as the API server does. */
  data: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * How the server misbehaves, for failure tests: `status500` and `{ status }` answer every
 * request with that status (recorded in `requests` all the same); `slowMs` delays answers.
 */
export type CoreApiFault = 'none' | 'status500' | { status: number } | { slowMs: number };

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  /** How the caller authenticated: `token`, `cert`, or `none`. */
  auth: 'token' | 'cert' | 'none';
}

/**
 * A stand-in for the core Secret API of a Kubernetes API server, over TLS with its own CA:
 * `GET /api/v1/namespaces/<ns>/secrets/<name>`. It accepts bearer tokens from a list and
 * client certificates issued by its client CA to an allowed common name, answering 401 and
 * 403 `Status` objects as the API server does.
 */
export class CoreSecretsApi {
  readonly url: string;
  /** PEM of the CA that issued the server certificate. */
  readonly caPem: string;
  readonly requests: SeenRequest[] = [];
  fault: CoreApiFault = 'none';
  /** Bearer tokens that authenticate; each may read only the namespaces listed. */
  readonly tokens = new Map<string, string[]>();
  /** Client certificate common names that authenticate, with their namespaces. */
  readonly clientNames = new Map<string, string[]>();
  readonly #secrets = new Map<string, CoreSecret>();
  readonly #server: Server;
  readonly #clientCa: TestCa;

  private constructor(server: Server, caPem: string, clientCa: TestCa) {
    this.#server = server;
    this.caPem = caPem;
    this.#clientCa = clientCa;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts the server on a free loopback port. */
  static async start(): Promise<CoreSecretsApi> {
    const serverCa = await TestCa.create('test-apiserver-ca');
    const clientCa = await TestCa.create('test-apiserver-client-ca');
    const certificate = await serverCa.issueServer();
    const server = createServer({
      cert: certificate.certPem,
      key: certificate.keyPem,
      ca: clientCa.pem,
      requestCert: true,
      // Token callers present no certificate; authorization decides per request.
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = new CoreSecretsApi(server, serverCa.pem, clientCa);
    server.on('request', (request, response) => api.#handle(request, response));
    return api;
  }

  /** A client certificate for `commonName`, issued by the CA the server trusts. */
  issueClientCertificate(commonName: string): Promise<IssuedCertificate> {
    return this.#clientCa.issueClient(commonName);
  }

  setSecret(namespace: string, name: string, secret: CoreSecret): void {
    this.#secrets.set(`${namespace}/${name}`, secret);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #caller(request: IncomingMessage): { auth: SeenRequest['auth']; namespaces?: string[] } {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      return { auth: 'token', namespaces: this.tokens.get(header.slice('Bearer '.length)) };
    }
    const socket = request.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    if (socket.authorized && peer.subject !== undefined) {
      const name = peer.subject.CN;
      return {
        auth: 'cert',
        namespaces: this.clientNames.get(typeof name === 'string' ? name : ''),
      };
    }
    return { auth: 'none' };
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'https://x').pathname;
    const caller = this.#caller(request);
    this.requests.push({ method: request.method ?? '', path, auth: caller.auth });

    const fault = this.fault;
    if (typeof fault === 'object' && 'slowMs' in fault)
      await new Promise((resolve) => setTimeout(resolve, fault.slowMs));
    if (fault === 'status500') return status(response, 500, 'InternalError', 'etcd is on fire');
    if (typeof fault === 'object' && 'status' in fault) {
      const reason = statusReasons[fault.status] ?? 'InternalError';
      return status(response, fault.status, reason, 'the request could not be served');
    }
    if (caller.namespaces === undefined)
      return status(response, 401, 'Unauthorized', 'Unauthorized');

    const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path);
    if (request.method !== 'GET' || match === null) {
      return status(response, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const [, namespace = '', name = ''] = match;
    if (!caller.namespaces.includes(namespace)) {
      const message = `secrets "${name}" is forbidden: cannot get resource "secrets" in "${namespace}"`;
      return status(response, 403, 'Forbidden', message);
    }
    const secret = this.#secrets.get(`${namespace}/${name}`);
    if (secret === undefined)
      return status(response, 404, 'NotFound', `secrets "${name}" not found`);

    sendJson(response, 200, {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name,
        namespace,
        resourceVersion: '1',
        ...(secret.labels ? { labels: secret.labels } : {}),
        ...(secret.annotations ? { annotations: secret.annotations } : {}),
      },
      type: 'Opaque',
      data: Object.fromEntries(
        Object.entries(secret.data).map(([key, value]) => [
          key,
          Buffer.from(value).toString('base64'),
        ]),
      ),
    });
  }
}

/** The `reason` the API server gives with these statuses. */
const statusReasons: Record<number, string> = {
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** A `metav1.Status` failure, the shape of every API server error answer. */
function status(response: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(response, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}
