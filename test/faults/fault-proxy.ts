import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { createClusterTLS } from '../../src/dev/cluster-ca.js';

/**
 * How the issuer behind the proxy misbehaves, as the hub sees it:
 * - `none`: every request reaches the client cluster;
 * - `closed`: nothing listens on the port (connection refused);
 * - `hang`: connections are accepted and requests never answered;
 * - `{ delayMs }`: the right answer, that late;
 * - `discovery-not-json`, `jwks-not-json`: 200 with a body that is not JSON;
 * - `jwks-not-a-key-set`: JSON, but `keys` is an object instead of a list;
 * - `jwks-broken-keys`: the cluster's keys with their public material mangled;
 * - `jwks-empty`: `{"keys":[]}`.
 */
export type IssuerFault =
  | 'none'
  | 'closed'
  | 'hang'
  | { delayMs: number }
  | 'discovery-not-json'
  | 'jwks-not-json'
  | 'jwks-not-a-key-set'
  | 'jwks-broken-keys'
  | 'jwks-empty';

/** A readable name of a fault, for test titles. */
export function faultName(fault: IssuerFault): string {
  return typeof fault === 'object' ? `answers after ${fault.delayMs} ms` : fault;
}

const discoveryPath = '/.well-known/openid-configuration';
const jwksPath = '/openid/v1/jwks';

interface Upstream {
  status: number;
  contentType: string;
  body: string;
}

/**
 * An HTTPS server in front of a real client cluster that injects issuer faults. It has a
 * CA of its own: a federation that should reach the cluster through it names the proxy's
 * `url` and pins its `caPem` as `caBundle`. Requests are counted by path, faulty or not.
 */
export class FaultProxy {
  readonly url: string;
  readonly caPem: string;
  /** Requests received on the discovery path. */
  discoveryRequests = 0;
  /** Requests received on the JWKS path. */
  jwksRequests = 0;

  #fault: IssuerFault = 'none';
  readonly #server: Server;
  readonly #port: number;
  readonly #upstream: ClientCluster;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(server: Server, port: number, caPem: string, upstream: ClientCluster) {
    this.#server = server;
    this.#port = port;
    this.url = `https://localhost:${port}`;
    this.caPem = caPem;
    this.#upstream = upstream;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res));
  }

  /** Starts a proxy for `upstream` on a free loopback port. */
  static async start(upstream: ClientCluster): Promise<FaultProxy> {
    const tls = await createClusterTLS({ caName: 'fault-proxy-ca' });
    const server = createServer({ key: tls.keyPem, cert: tls.certPem });
    await listen(server, 0);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new FaultProxy(server, port, tls.caPem, upstream);
  }

  get fault(): IssuerFault {
    return this.#fault;
  }

  /** Requests received on either OIDC path. */
  get oidcRequests(): number {
    return this.discoveryRequests + this.jwksRequests;
  }

  /**
   * Switches to another fault. `closed` stops listening and drops every open connection,
   * so that kept-alive connections cannot bypass it; leaving it listens on the same port.
   */
  async setFault(fault: IssuerFault): Promise<void> {
    const wasClosed = this.#fault === 'closed';
    this.#fault = fault;
    if (fault === 'closed' && !wasClosed) {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.#dropConnections();
      await closed;
    } else if (fault !== 'closed' && wasClosed) {
      await listen(this.#server, this.#port);
    } else {
      // Connections kept alive from before the switch must see the new fault too.
      this.#dropConnections();
    }
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#fault === 'closed') return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#dropConnections();
    await closed;
  }

  #dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://proxy.invalid').pathname;
    if (path === discoveryPath) this.discoveryRequests += 1;
    if (path === jwksPath) this.jwksRequests += 1;

    const fault = this.#fault;
    if (fault === 'hang') return;
    if (typeof fault === 'object') {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#answer(req, res, path, 'none');
      }, fault.delayMs);
      this.#timers.add(timer);
      return;
    }
    void this.#answer(req, res, path, fault);
  }

  async #answer(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    fault: IssuerFault,
  ): Promise<void> {
    if (path === discoveryPath && fault === 'discovery-not-json') {
      return send(res, { status: 200, contentType: 'application/json', body: '<html>oops' });
    }
    if (path === jwksPath && fault === 'jwks-not-json') {
      return send(res, { status: 200, contentType: 'application/json', body: '{"keys": [' });
    }
    if (path === jwksPath && fault === 'jwks-not-a-key-set') {
      const body = JSON.stringify({ keys: { kty: 'RSA' }, issuer: 'not a key set' });
      return send(res, { status: 200, contentType: 'application/json', body });
    }
    if (path === jwksPath && fault === 'jwks-empty') {
      return send(res, { status: 200, contentType: 'application/json', body: '{"keys":[]}' });
    }

    let upstream: Upstream;
    try {
      upstream = await this.#forward(req);
    } catch {
      return send(res, { status: 502, contentType: 'text/plain', body: 'upstream failed' });
    }
    if (path === jwksPath && fault === 'jwks-broken-keys' && upstream.status === 200) {
      upstream = { ...upstream, body: breakKeyMaterial(upstream.body) };
    }
    send(res, upstream);
  }

  /** GETs the same path from the client cluster, with the caller's bearer token. */
  #forward(req: IncomingMessage): Promise<Upstream> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        new URL(req.url ?? '/', this.#upstream.url),
        { method: 'GET', headers, ca: this.#upstream.caPem, agent: false, timeout: 5000 },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 502,
              contentType: incoming.headers['content-type'] ?? 'application/json',
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('upstream timeout')));
      outgoing.on('error', reject);
      outgoing.end();
    });
  }
}

/** The same key set with every key's public material replaced by one zero byte. */
function breakKeyMaterial(body: string): string {
  const document = JSON.parse(body) as { keys: Record<string, unknown>[] };
  const keys = document.keys.map((key) =>
    key.kty === 'RSA' ? { ...key, n: 'AA' } : { ...key, x: 'AA', y: 'AA' },
  );
  return JSON.stringify({ keys });
}

function send(res: ServerResponse, answer: Upstream): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, { 'content-type': answer.contentType });
  res.end(answer.body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
