import type { Socket } from 'node:net';

import { FederationError } from '../errors.js';

const statusText: Record<number, string> = {
  400: 'Bad Request',
  431: 'Request Header Fields Too Large',
};

/**
 * Answers requests that Node's HTTP parser refuses before any route runs (malformed
 * request line, bad header, headers over the size limit) with the same JSON error body
 * as every other answer, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return;
  const failure =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new FederationError('HeadersTooLarge')
      : new FederationError('BadRequest');
  const body = JSON.stringify(failure.toBody());
  socket.end(
    [
      `HTTP/1.1 ${failure.status} ${statusText[failure.status] ?? 'Bad Request'}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/** How long a client may keep its side open after an error answer; milliseconds. */
const errorLingerMs = 1000;

/**
 * Node passes failed TLS handshakes (a handshake timeout, say) to the same handler as
 * requests its HTTP parser refuses. Nothing was spoken over HTTP on those, so they are
 * dropped; the others get their JSON answer and a moment to read it. Either way the socket
 * is destroyed: a client that never closes its side must not keep the connection.
 */
export function onClientError(error: Error & { code?: string }, socket: Socket): void {
  const code = error.code ?? '';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    socket.destroy();
    return;
  }
  answerClientError(error, socket);
  const timer = setTimeout(() => socket.destroy(), errorLingerMs).unref();
  socket.once('close', () => clearTimeout(timer));
}
