import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The answer to one attempt. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request to send. */
export interface HttpAttempt {
  readonly method: 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds for the whole attempt, the answer's body included. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** Longest answer accepted, in bytes: no secret is this large. */
export const maxAnswerBytes = 16 * 1024 * 1024;

/** The answer was cut off or too large: the attempt failed like a network error. */
export class AnswerReadError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AnswerReadError';
    this.code = code;
  }
}

/**
 * A keep-alive agent for the several requests of one run: one TLS handshake instead of
 * one per secret. `ca` replaces the system roots when given.
 */
export function createAgent(url: URL, ca: string | undefined): HttpAgent {
  const options = { keepAlive: true, maxSockets: 4 };
  return url.protocol === 'https:' ? new HttpsAgent({ ...options, ca }) : new HttpAgent(options);
}

/**
 * Sends one request and reads its answer. Rejects on a connection or TLS error, on the
 * timeout (code `ETIMEDOUT`) and on an abort (name `AbortError`).
 */
export function sendAttempt(attempt: HttpAttempt, agent: HttpAgent): Promise<HttpAnswer> {
  const send = attempt.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...attempt.headers, 'Content-Length': String(Buffer.byteLength(attempt.body)) };

  return new Promise<HttpAnswer>((resolve, reject) => {
    const request = send(attempt.url, {
      method: attempt.method,
      headers,
      agent,
      signal: attempt.signal,
    });
    const timer = setTimeout(() => {
      request.destroy(new AnswerReadError('ETIMEDOUT', 'timed out'));
    }, attempt.timeoutMs);
    const settle = (): void => clearTimeout(timer);

    request.on('error', (error) => {
      settle();
      reject(error);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          request.destroy(new AnswerReadError('EANSWERTOOLARGE', 'answer too large'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => {
        settle();
        reject(error);
      });
      response.on('end', () => {
        settle();
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      });
    });
    request.end(attempt.body);
  });
}
