import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { appToken, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { runSettings } from './fuzz-run.js';
import { assertHealthy, assertWellFormedAnswer, errorLogLines } from './http-answer.js';
import { exchange, parseAnswers } from './raw-http.js';
import { pathSegment } from './request-arbitraries.js';

/** Bytes that HTTP/1.1 forbids or treats specially inside a request line or a header. */
const oddBytes = fc.constantFrom(
  '\x00',
  '\x01',
  '\x7f',
  '\xff',
  '\r',
  '\n',
  '\t',
  ' ',
  ':',
  '"',
  '\\',
  '<',
  '>',
  '{',
  '\x1b[31m',
);

const anyByte = fc.integer({ min: 0, max: 255 }).map((byte) => String.fromCharCode(byte));

/** Short text with odd bytes mixed in; in Latin-1 each character is one byte on the wire. */
const wireText = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.string({ maxLength: 8 }), oddBytes, anyByte), { maxLength })
    .map((parts) => parts.join(''));

const rawMethod = fc.oneof(
  fc.constantFrom(
    'GET',
    'POST',
    'DELETE',
    'PUT',
    'PATCH',
    'OPTIONS',
    'get',
    'PRI',
    'CONNECT',
    'TRACE',
  ),
  wireText(3),
);

const rawTarget = fc.oneof(
  fc
    .array(fc.oneof(pathSegment, wireText(4)), { maxLength: 6 })
    .map((segments) => `/${segments.join('/')}`),
  fc.constantFrom('*', '', 'http://example.com/healthz', '//healthz', '/../../etc/passwd', '/%00'),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => `/${text}`),
);

const version = fc.oneof(
  fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 ', ''),
  wireText(3),
);

const rawHeader = fc.oneof(
  fc.tuple(wireText(3), wireText(6)).map(([name, value]) => `${name}: ${value}`),
  fc.constantFrom(
    'Content-Length: -1',
    'Content-Length: 1e3',
    'Content-Length: 5, 6',
    'Content-Length: 99999999999999999999',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip, chunked',
    'Transfer-Encoding: xchunked',
    ' folded: header',
    'Host:',
    'Expect: 100-continue',
    'Upgrade: h2c',
    'Authorization: Bearer \x00',
    'Authorization: Bearer',
    'X-Request-Id: \x7f',
  ),
);

/** A request in Latin-1: each character is one byte, so any byte can be sent. */
const garbageRequest = fc
  .record({
    method: rawMethod,
    target: rawTarget,
    version,
    headers: fc.array(rawHeader, { maxLength: 5 }),
    lineEnd: fc.constantFrom('\r\n', '\n', '\r'),
    body: wireText(20),
  })
  .map(({ method, target, version: v, headers, lineEnd, body }) =>
    [`${method} ${target} ${v}`, 'Host: hub', ...headers, 'Connection: close', '', body].join(
      lineEnd,
    ),
  );

describe('fuzzing raw HTTP requests on a socket', () => {
  let hub: TestHub;
  let port: number;

  before(async () => {
    hub = await startTestHub();
    port = Number(new URL(hub.url).port);
  });
  after(() => hub.close());

  it('answers malformed request lines and headers with a well-formed answer or a close, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(garbageRequest, fc.boolean(), async (request, asBytes) => {
        // Latin-1 sends every character as one byte; UTF-8 adds multi-byte sequences.
        const bytes = Buffer.from(request, asBytes ? 'latin1' : 'utf8');
        const received = await exchange(port, bytes, { halfCloseAfterMs: 250 });
        for (const answer of parseAnswers(received, request.split(' ', 1)[0] ?? '')) {
          assertWellFormedAnswer(answer);
        }
      }),
      runSettings(0x5eed_0201, 300),
    );
  });

  it('answers every path byte for byte as sent (no client normalisation) with a well-formed answer', async () => {
    const token = appToken(hub.clusterA);
    const body = JSON.stringify(caBody(hub.clusterA));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
        fc.oneof(
          fc
            .tuple(pathSegment, pathSegment)
            .map(([store, key]) => `/secretstore/${store}/secrets/${key}`),
          fc
            .tuple(pathSegment, pathSegment, pathSegment)
            .map((segments) => `/generators/${segments.join('/')}`),
          fc
            .array(fc.oneof(pathSegment, fc.constantFrom('..', '.', '%2e%2e', '')), {
              maxLength: 6,
            })
            .map((segments) => `/${segments.join('/')}`),
          fc
            .string({ unit: 'grapheme', maxLength: 16 })
            .map((text) => `/secretstore/main-store/secrets/${text}`),
        ),
        async (method, target) => {
          const request = [
            `${method} ${target} HTTP/1.1`,
            'Host: hub',
            `Authorization: Bearer ${token}`,
            'Content-Type: application/json',
            `Content-Length: ${Buffer.byteLength(body)}`,
            'Connection: close',
            '',
            body,
          ].join('\r\n');
          const answers = parseAnswers(await exchange(port, Buffer.from(request, 'utf8')), method);
          assert.equal(answers.length, 1, `expected one answer, got ${answers.length}`);
          for (const answer of answers) assertWellFormedAnswer(answer);
        },
      ),
      runSettings(0x5eed_0202, 250),
    );
  });

  it('answers a Content-Length that does not match the body, never hanging', async () => {
    const token = appToken(hub.clusterA);
    const body = JSON.stringify(caBody(hub.clusterA));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 0, max: body.length }),
        async (delta, cut) => {
          const sent = body.slice(0, cut);
          const declared = Math.max(0, Buffer.byteLength(sent) + delta);
          const request = [
            'POST /secretstore/main-store/secrets/hello HTTP/1.1',
            'Host: hub',
            `Authorization: Bearer ${token}`,
            `Content-Length: ${declared}`,
            'Connection: close',
            '',
            sent,
          ].join('\r\n');
          // A body shorter than its length leaves the server waiting: the half-close ends
          // it, and the answer is a 400 or a close. A complete request must be answered.
          const isComplete = delta <= 0;
          const received = await exchange(
            port,
            Buffer.from(request, 'utf8'),
            isComplete ? {} : { halfCloseAfterMs: 100 },
          );
          const answers = parseAnswers(received, 'POST');
          if (isComplete) assert.ok(answers.length >= 1, 'a complete request got no answer');
          for (const answer of answers) assertWellFormedAnswer(answer);
        },
      ),
      runSettings(0x5eed_0203, 60),
    );
  });

  it('stays healthy and logs no error after the runs', async () => {
    await assertHealthy(hub.url);
    assert.deepEqual(errorLogLines(hub.logs.entries()), []);
  });
});
