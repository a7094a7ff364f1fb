import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The answer of the baseline: a fixed JSON string, as the secret read answers one. */
const payload = Buffer.from(JSON.stringify('world'));

export interface BaselineServer {
  /** `http://127.0.0.1:port` */
  url: string;
  close(): Promise<void>;
}

/**
 * A bare `node:http` server on loopback: it reads the request body to its end, as any
 * server must before it can answer on the same connection, then sends the fixed string.
 * No routing, no parsing, no authentication: the most a Node.js process can serve here.
 */
export async function startBaselineServer(): Promise<BaselineServer> {
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': payload.length,
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
