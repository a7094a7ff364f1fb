import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { createClusterTLS } from '../../dev/cluster-ca.js';
import type { ClusterTLS } from '../../dev/cluster-ca.js';
import { FederationError } from '../../errors.js';
import type { Reason } from '../../errors.js';
import { BackendHttpClient } from './backend-http-client.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

function failsWith(reason: Reason) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason);
    assert.doesNotMatch(error.detail ?? '', /hunter2/);
    return true;
  };
}

describe('BackendHttpClient', () => {
  let tls: ClusterTLS;
  let server: Server;
  let base: string;
  let handler: Handler = (_request, response) => response.end('ok');
  let hits = 0;

  before(async () => {
    tls = await createClusterTLS();
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
      hits += 1;
      handler(request, response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
  });

  function client(options: ConstructorParameters<typeof BackendHttpClient>[0] = {}) {
    return new BackendHttpClient({ caPem: tls.caPem, retryDelayMs: 10, ...options });
  }

  it('returns status, headers and body of any answer', async () => {
    handler = (_request, response) => {
      response.writeHead(404, { 'x-kind': 'missing' }).end('{"errors":[]}');
    };
    const http = client();
    const response = await http.send({ method: 'GET', url: `${base}/v1/x` });
    assert.equal(response.status, 404);
    assert.equal(response.headers['x-kind'], 'missing');
    assert.equal(response.text, '{"errors":[]}');
    await http.close();
  });

  it('retries a transient status of an idempotent request, then succeeds', async () => {
    hits = 0;
    handler = (_request, response) => {
      if (hits < 3) response.writeHead(503).end('busy');
      else response.end('fine');
    };
    const http = client();
    const response = await http.send({ method: 'GET', url: `${base}/` });
    assert.equal(response.text, 'fine');
    assert.equal(hits, 3);
    await http.close();
  });

  it('never resends a POST the backend may have processed', async () => {
    hits = 0;
    handler = (_request, response) => response.writeHead(503).end('busy');
    const http = client();
    const response = await http.send({ method: 'POST', url: `${base}/`, body: '{}' });
    assert.equal(response.status, 503);
    assert.equal(hits, 1);
    await http.close();
  });

  it('gives up after the bounded retries', async () => {
    hits = 0;
    handler = (_request, response) => response.writeHead(502).end('down');
    const http = client({ retries: 2 });
    const response = await http.send({ method: 'GET', url: `${base}/` });
    assert.equal(response.status, 502);
    assert.equal(hits, 3);
    await http.close();
  });

  it('answers BackendTimeout when an attempt outlasts its bound', async () => {
    handler = () => undefined;
    const http = client({ timeoutMs: 200, retries: 0 });
    const started = Date.now();
    await assert.rejects(
      http.send({ method: 'GET', url: `${base}/` }),
      failsWith('BackendTimeout'),
    );
    assert.ok(Date.now() - started < 3000);
    await http.close();
  });

  it("answers BackendTimeout when the caller's signal aborts", async () => {
    handler = () => undefined;
    const http = client({ timeoutMs: 10_000 });
    const signal = AbortSignal.timeout(100);
    await assert.rejects(
      http.send({ method: 'GET', url: `${base}/`, signal }),
      failsWith('BackendTimeout'),
    );
    await http.close();
  });

  it('answers BackendError for a refused connection, after retrying it', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const http = client();
    await assert.rejects(
      http.send({ method: 'POST', url: `https://127.0.0.1:${port}/` }),
      failsWith('BackendError'),
    );
    await http.close();
  });

  it('answers BackendError for a certificate its CA did not issue', async () => {
    handler = (_request, response) => response.end('password=hunter2');
    const other = await createClusterTLS({ caName: 'another-ca' });
    const http = new BackendHttpClient({ caPem: other.caPem, retries: 0 });
    await assert.rejects(http.send({ method: 'GET', url: `${base}/` }), failsWith('BackendError'));
    await http.close();
  });

  it('answers BackendError for a body above the limit', async () => {
    handler = (_request, response) => response.end('x'.repeat(4096));
    const http = client({ maxBodyBytes: 1024 });
    await assert.rejects(http.send({ method: 'GET', url: `${base}/` }), failsWith('BackendError'));
    await http.close();
  });
});
