import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

import type { PublicJwk } from '../../src/dev/signing-key.js';

/**
 * A server an attacker controls, on loopback, serving the attacker's own keys. Tokens point
 * `jku` and `x5u` at it; the hub must never connect. Every TCP connection is counted, so a
 * TLS attempt against its `https://` address counts as well as a plain HTTP request.
 */
export interface AttackerServer {
  /** `http://127.0.0.1:port`. */
  httpUrl: string;
  /** The same port as `https://`: a TLS client connecting there is still counted. */
  httpsUrl: string;
  readonly connections: number;
  readonly requests: readonly string[];
  close(): Promise<void>;
}

export async function startAttackerServer(keys: PublicJwk[]): Promise<AttackerServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    response.end(JSON.stringify({ keys }));
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    httpUrl: `http://127.0.0.1:${port}`,
    httpsUrl: `https://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    requests,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
