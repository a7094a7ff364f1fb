import assert from 'node:assert/strict';
import { connect } from 'node:net';

import { answerTimeoutMs } from './fuzz-run.js';
import type { Answer } from './http-answer.js';

/**
 * Sends `request` byte for byte on a fresh connection and returns every byte the server
 * sent until it closed. A reset counts as a close: the server may drop a connection whose
 * bytes make no sense. Fails when the server neither answers nor closes in time.
 *
 * `halfCloseAfterMs` ends the client's side after that delay, to tell a server that waits
 * for more bytes that none will come. Node's server then drops a request it has not
 * answered yet, so requests that must be answered leave it unset.
 */
export function exchange(
  port: number,
  request: Buffer,
  options: { halfCloseAfterMs?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const timers: NodeJS.Timeout[] = [];
    timers.push(
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer and no close within ${answerTimeoutMs} ms`));
      }, answerTimeoutMs),
    );
    socket.on('connect', () => {
      socket.write(request);
      const delay = options.halfCloseAfterMs;
      if (delay !== undefined) timers.push(setTimeout(() => socket.end(), delay));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // EPIPE and ECONNRESET: the server stopped reading; what it sent still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      for (const timer of timers) clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

const statusLine = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;

function readHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `a header line of an answer is malformed: ${JSON.stringify(line)}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function readChunked(bytes: Buffer, start: number): { body: Buffer; end: number } {
  const parts: Buffer[] = [];
  let offset = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    assert.ok(lineEnd >= 0, 'a chunked answer ends inside a chunk size');
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    assert.ok(Number.isInteger(size) && size >= 0, 'a chunk size of an answer is malformed');
    offset = lineEnd + 2;
    if (size === 0) return { body: Buffer.concat(parts), end: bytes.indexOf('\r\n', offset) + 2 };
    parts.push(bytes.subarray(offset, offset + size));
    offset += size + 2;
  }
}

/**
 * Splits what a server sent into HTTP/1.1 answers, failing on anything that is not one.
 * `method` is the method of the request line, used only to know that HEAD has no body.
 */
export function parseAnswers(bytes: Buffer, method: string): Answer[] {
  const answers: Answer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset);
    const pending = bytes.subarray(offset, offset + 120).toString('latin1');
    assert.ok(headEnd >= 0, `the server sent bytes that are not an answer: ${pending}`);
    const [first = '', ...rest] = bytes.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const match = statusLine.exec(first);
    assert.ok(match?.[1], `malformed status line: ${JSON.stringify(first)}`);
    const headers = readHeaders(rest.join('\r\n'));
    const bodyStart = headEnd + 4;

    let body: Buffer;
    if (method === 'HEAD') {
      body = Buffer.alloc(0);
      offset = bodyStart;
    } else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const chunked = readChunked(bytes, bodyStart);
      body = chunked.body;
      offset = chunked.end;
    } else if (headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      assert.ok(Number.isInteger(length) && length >= 0, 'malformed content-length');
      assert.ok(bodyStart + length <= bytes.length, 'an answer is shorter than its length');
      body = bytes.subarray(bodyStart, bodyStart + length);
      offset = bodyStart + length;
    } else {
      body = bytes.subarray(bodyStart);
      offset = bytes.length;
    }
    answers.push({ status: Number(match[1]), text: body.toString('utf8'), headers, method });
  }
  return answers;
}
