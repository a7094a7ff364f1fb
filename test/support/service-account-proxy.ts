import { request as httpsRequest, Agent, createServer } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { KubeApiServer } from './kube-api-server.js';
import { TestCa } from './test-certificates.js';

/**
 * A stand-in for a real API server's token authentication in front of the test API server,
 * which only knows client certificates: it accepts `Authorization: Bearer <token>` for the
 * tokens it is told to, and forwards the request as the admin user, bodies streamed both ways
 * (a watch is one long chunked answer).
 */
export interface ServiceAccountProxy {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** PEM of the proxy's own CA: what a pod finds as `ca.crt`. */
  caPem: string;
  /** Every distinct `Authorization` value presented, in the order first seen. */
  readonly presented: string[];
  /** How many requests were refused with 401. */
  readonly refusedCount: number;
  /** How many requests were forwarded. */
  readonly forwardedCount: number;
  /** From now on only these tokens are accepted. */
  accept(tokens: string[]): void;
  /** Cuts every open connection, watches included, as an API server restart would. */
  dropConnections(): void;
  close(): Promise<void>;
}

// Per connection (RFC 9110 §7.6.1); the proxy frames its own answers.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardable(headers: IncomingHttpHeaders, drop: string[] = []): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !hopByHop.has(name) && !drop.includes(name)),
  );
}

function refuse(response: ServerResponse): void {
  response.writeHead(401, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    }),
  );
}

/** Starts the proxy on loopback in front of `upstream`, accepting `tokens` at first. */
export async function startServiceAccountProxy(
  upstream: KubeApiServer,
  tokens: string[],
): Promise<ServiceAccountProxy> {
  const ca = await TestCa.create('service-account-proxy-ca');
  const serverCertificate = await ca.issueServer();
  const agent = new Agent({
    ca: upstream.ca,
    cert: upstream.clientCert,
    key: upstream.clientKey,
    keepAlive: true,
  });
  const target = new URL(upstream.url);
  let accepted = new Set(tokens);
  const presented: string[] = [];
  let refusedCount = 0;
  let forwardedCount = 0;

  const forward = (incoming: IncomingMessage, response: ServerResponse): void => {
    const outgoing = httpsRequest(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: forwardable(incoming.headers, ['authorization']),
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        // Without flushing, a watch's headers would wait for its first event.
        response.flushHeaders();
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.destroy();
    });
    // The client went away, e.g. a watch it aborted: end the upstream request too.
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    incoming.pipe(outgoing);
  };

  const server = createServer(
    { cert: serverCertificate.certPem, key: serverCertificate.keyPem },
    (incoming, response) => {
      const authorization = incoming.headers.authorization ?? '';
      if (!presented.includes(authorization)) presented.push(authorization);
      const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
      if (!accepted.has(token)) {
        refusedCount += 1;
        incoming.resume();
        refuse(response);
        return;
      }
      forwardedCount += 1;
      forward(incoming, response);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caPem: ca.pem,
    presented,
    get refusedCount() {
      return refusedCount;
    },
    get forwardedCount() {
      return forwardedCount;
    },
    accept(next) {
      accepted = new Set(next);
    },
    dropConnections() {
      server.closeAllConnections();
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}
