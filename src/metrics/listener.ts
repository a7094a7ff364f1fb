import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { FederationMetrics } from './registry.js';

/** A running metrics endpoint. */
export interface MetricsListener {
  /** `http://host:port/metrics` as bound (the real port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

function answer(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(body);
}

function handle(metrics: FederationMetrics, request: IncomingMessage, response: ServerResponse) {
  const path = (request.url ?? '').split('?', 1)[0];
  if (path !== '/metrics' || request.method !== 'GET') {
    answer(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  metrics.exposition().then(
    (text) => answer(response, 200, metrics.contentType, text),
    () => answer(response, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n'),
  );
}

/**
 * Serves `GET /metrics` on an address of its own, apart from the API: the API answers 404
 * to anyone not granted a resource, while the metrics name federations and stores. The
 * endpoint carries no token and no secret, so any interface may be used.
 */
export function listenForScrapes(
  metrics: FederationMetrics,
  address: { host: string; port: number },
): Promise<MetricsListener> {
  const server = createServer((request, response) => handle(metrics, request, response));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      resolve({ url: `http://${host}:${port}/metrics`, close });
    });
  });
}
