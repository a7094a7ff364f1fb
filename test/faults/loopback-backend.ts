import { createServer, type Server } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the backend's answer to `GET /<behaviour>/<key>` is. */
export type BackendBehaviour = 'ok' | 'fail' | 'hang';

/**
 * A secret backend on loopback, driven by the first path segment: `/ok/<key>` answers 200
 * with a value, `/fail/<key>` answers 503 with a body that quotes a credential (which must
 * never reach a client), and `/hang/<key>` never answers until `releaseHanging`.
 */
export class LoopbackBackend {
  readonly url: string;
  /** Requests received, by behaviour. */
  readonly received: Record<BackendBehaviour, number> = { ok: 0, fail: 0, hang: 0 };

  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.#handle(request, response),
    );
  }

  static async start(): Promise<LoopbackBackend> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return new LoopbackBackend(server, `http://127.0.0.1:${port}`);
  }

  /** Requests held unanswered right now. */
  get hanging(): number {
    return this.#hanging.size;
  }

  /** Cuts the connection of every request held unanswered. */
  releaseHanging(): void {
    for (const response of this.#hanging) response.socket?.destroy();
    this.#hanging.clear();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const behaviour = (request.url ?? '').split('/')[1] as BackendBehaviour;
    if (!(behaviour in this.received)) {
      response.writeHead(404).end();
      return;
    }
    this.received[behaviour] += 1;
    if (behaviour === 'ok') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('value-from-backend');
    } else if (behaviour === 'fail') {
      response
        .writeHead(503, { 'content-type': 'text/plain' })
        .end('upstream database down; tried password=hunter2');
    } else {
      this.#hanging.add(response);
      response.once('close', () => this.#hanging.delete(response));
    }
  }
}

/** An `http://127.0.0.1:port` URL where nothing listens (a port just bound and released). */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
