import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { TestCa } from './test-certificates.js';

/** One request the webhook stand-in received. */
export interface WebhookRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the stand-in answers: a status and a body, or a delay before answering. */
export interface WebhookAnswer {
  status: number;
  body: string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

/**
 * A loopback HTTPS server with its own CA, standing in for a webhook. `answer` decides each
 * response from the request; every request is recorded.
 */
export class WebhookServer {
  readonly requests: WebhookRequest[] = [];
  answer: (request: WebhookRequest) => WebhookAnswer = () => ({ status: 200, body: '{}' });
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  url = '';

  private constructor(
    readonly caPem: string,
    certPem: string,
    keyPem: string,
  ) {
    this.#server = createServer({ cert: certPem, key: keyPem }, (request, response) => {
      this.#handle(request, response);
    });
    this.#server.on('secureConnection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('tlsClientError', () => undefined);
  }

  /** Starts a server on 127.0.0.1 with a fresh CA. */
  static async start(): Promise<WebhookServer> {
    const ca = await TestCa.create('webhook-test-ca');
    const certificate = await ca.issueServer();
    const server = new WebhookServer(ca.pem, certificate.certPem, certificate.keyPem);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    const address = server.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    server.url = `https://127.0.0.1:${address.port}`;
    return server;
  }

  /** The CA as the base64 `caBundle` of a manifest. */
  get caBundle(): string {
    return Buffer.from(this.caPem).toString('base64');
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: WebhookRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(recorded);
      const answer = this.answer(recorded);
      const send = (): void => {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(answer.body);
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!response.destroyed) send();
      }, answer.delayMs);
      this.#timers.add(timer);
    });
  }
}
