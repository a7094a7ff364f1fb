import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import { createClusterTLS } from '../src/dev/cluster-ca.js';
import { CliError, exitCodes } from './exit-codes.js';
import type { ConnectionOptions } from './options.js';
import { createServerClient } from './server-client.js';
import type { ClientEnvironment, ServerClient } from './server-client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (request: Seen, response: ServerResponse) => void;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function answer(response: ServerResponse, status: number, body: unknown, raw = false): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(raw ? String(body) : JSON.stringify(body));
}

function failsWith(code: number, pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('server client', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let seen: Seen[];
  let handlers: Handler[];
  let sleeps: number[];
  let logs: string[];
  const clients: ServerClient[] = [];

  const environment: ClientEnvironment = {
    now: () => 0,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => logs.push(line),
  };

  function connection(overrides: Partial<ConnectionOptions> = {}): ConnectionOptions {
    return {
      serverUrl: new URL(baseUrl),
      tokenPath: join(dir, 'token'),
      caCrtPath: join(dir, 'ca.crt'),
      isCaCrtExplicit: true,
      serverCaPath: undefined,
      retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 40 },
      requestTimeoutMs: 2000,
      isVerbose: false,
      ...overrides,
    };
  }

  async function client(overrides: Partial<ConnectionOptions> = {}): Promise<ServerClient> {
    const created = await createServerClient(connection(overrides), environment);
    clients.push(created);
    return created;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esi-client-'));
    await writeFile(join(dir, 'token'), 'token-one\n');
    await writeFile(join(dir, 'ca.crt'), 'PEM');
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        };
        seen.push(entry);
        const handler = handlers.shift() ?? ((_, res) => answer(res, 200, 'value'));
        handler(entry, response);
      });
    });
    baseUrl = await listen(server);
  });

  beforeEach(() => {
    seen = [];
    handlers = [];
    sleeps = [];
    logs = [];
  });

  after(async () => {
    for (const created of clients) created.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('posts the token, ca.crt and JSON headers, encoding the secret name', async () => {
    const value = await (await client()).readSecret('main', 'db/credentials');
    assert.equal(value, 'value');
    const [request] = seen;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/secretstore/main/secrets/db%2Fcredentials');
    assert.equal(request?.headers.authorization, 'Bearer token-one');
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers.accept, 'application/json');
    assert.deepEqual(JSON.parse(request?.body ?? ''), {
      'ca.crt': Buffer.from('PEM').toString('base64'),
    });
  });

  it('reads the token again before every request', async () => {
    const reader = await client();
    await reader.readSecret('main', 'a');
    await writeFile(join(dir, 'token'), 'token-two');
    await reader.readSecret('main', 'a');
    assert.deepEqual(
      seen.map((request) => request.headers.authorization),
      ['Bearer token-one', 'Bearer token-two'],
    );
    await writeFile(join(dir, 'token'), 'token-one\n');
  });

  it('sends no ca.crt when the default path is absent, and fails when a given one is', async () => {
    const absent = join(dir, 'absent.crt');
    await (await client({ caCrtPath: absent, isCaCrtExplicit: false })).readSecret('s', 'a');
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), {});
    await assert.rejects(
      client({ caCrtPath: absent, isCaCrtExplicit: true }),
      failsWith(exitCodes.localFile, /absent\.crt/),
    );
  });

  it('fails with exit code 3 for an unreadable or empty token, never printing it', async () => {
    await assert.rejects(
      (await client({ tokenPath: join(dir, 'nope') })).readSecret('s', 'a'),
      failsWith(exitCodes.localFile, /token file .*nope: no such file/),
    );
    await writeFile(join(dir, 'empty'), '  \n');
    await assert.rejects(
      (await client({ tokenPath: join(dir, 'empty') })).readSecret('s', 'a'),
      failsWith(exitCodes.localFile, /is empty/),
    );
  });

  it('runs and revokes generators under their path', async () => {
    handlers.push((_, res) => answer(res, 200, { password: 'pw', count: 2 }));
    handlers.push((_, res) => answer(res, 200, { revoked: 1 }));
    const generators = await client();
    const ref = { namespace: 'ns', kind: 'Password', name: 'db pw' };
    assert.deepEqual(await generators.runGenerator(ref), { password: 'pw', count: '2' });
    await generators.revokeGenerator(ref);
    assert.deepEqual(
      seen.map((request) => `${request.method} ${request.url}`),
      ['POST /generators/ns/Password/db%20pw', 'DELETE /generators/ns/Password/db%20pw'],
    );
  });

  it('keeps the path of the server URL', async () => {
    await (await client({ serverUrl: new URL(`${baseUrl}/hub/`) })).readSecret('s', 'a');
    assert.equal(seen[0]?.url, '/hub/secretstore/s/secrets/a');
  });

  it('retries a 5xx with backoff and returns the later success', async () => {
    handlers.push((_, res) => answer(res, 502, { message: 'backend', reason: 'BackendError' }));
    handlers.push((_, res) => answer(res, 503, 'down', true));
    assert.equal(await (await client()).readSecret('s', 'a'), 'value');
    assert.equal(seen.length, 3);
    assert.deepEqual(sleeps, [5, 10]);
  });

  it('honours Retry-After on a 429, capped at the maximum delay', async () => {
    handlers.push((_, res) => {
      res.writeHead(429, { 'Retry-After': '120' });
      res.end('{"message":"slow down","reason":"RateLimited"}');
    });
    assert.equal(await (await client()).readSecret('s', 'a'), 'value');
    assert.deepEqual(sleeps, [40]);
  });

  it('gives up on a failing server with exit code 7 and its reason', async () => {
    for (let index = 0; index < 3; index += 1) {
      handlers.push((_, res) =>
        answer(res, 502, { message: 'the secret backend failed', reason: 'BackendError' }),
      );
    }
    await assert.rejects(
      (await client()).readSecret('main', 'a'),
      failsWith(
        exitCodes.serverFailed,
        /^secret 'a' in store 'main': the server failed \(502 BackendError, 3 attempts\): the secret backend failed$/,
      ),
    );
    assert.equal(seen.length, 3);
  });

  it('never retries a 401 and reports the server reason', async () => {
    handlers.push((_, res) =>
      answer(res, 401, { message: 'the token has expired', reason: 'TokenExpired' }),
    );
    await assert.rejects(
      (await client()).readSecret('s', 'a'),
      failsWith(
        exitCodes.authentication,
        /^authentication refused by the server \(TokenExpired\): the token has expired$/,
      ),
    );
    assert.equal(seen.length, 1);
    assert.deepEqual(sleeps, []);
  });

  it('says "not permitted or not found" for a 404, naming the secret or generator', async () => {
    handlers.push((_, res) => answer(res, 404, { message: 'x', reason: 'NotFound' }));
    handlers.push((_, res) => answer(res, 404, 'not json', true));
    const reader = await client();
    await assert.rejects(
      reader.readSecret('main', 'absent'),
      failsWith(
        exitCodes.notFound,
        /^secret 'absent' in store 'main': not permitted or not found$/,
      ),
    );
    await assert.rejects(
      reader.runGenerator({ namespace: 'ns', kind: 'UUID', name: 'id' }),
      failsWith(exitCodes.notFound, /^generator ns\/UUID\/id: not permitted or not found$/),
    );
    assert.equal(seen.length, 2);
  });

  it('reports another 4xx with its reason, or a generic message for a body that is not JSON', async () => {
    handlers.push((_, res) =>
      answer(res, 400, { message: 'ca.crt is bad\nreally', reason: 'InvalidCACert' }),
    );
    handlers.push((_, res) => answer(res, 413, '<html>too big</html>', true));
    const reader = await client();
    await assert.rejects(
      reader.readSecret('s', 'a'),
      failsWith(exitCodes.refused, /\(400 InvalidCACert\): ca\.crt is bad really$/),
    );
    await assert.rejects(
      reader.readSecret('s', 'a'),
      failsWith(exitCodes.refused, /\(413\): the server answered HTTP 413$/),
    );
  });

  it('refuses a 200 whose body is not what the route promises', async () => {
    handlers.push((_, res) => answer(res, 200, { not: 'a string' }));
    await assert.rejects(
      (await client()).readSecret('s', 'a'),
      failsWith(exitCodes.serverFailed, /other than a JSON string/),
    );
  });

  it('gives up on a refused connection with exit code 4 after every attempt', async () => {
    const closed = createServer();
    const url = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      (await client({ serverUrl: new URL(url) })).readSecret('s', 'a'),
      failsWith(
        exitCodes.unreachable,
        /cannot reach the federation server at .*\(ECONNREFUSED, 3 attempts\)/,
      ),
    );
    assert.equal(sleeps.length, 2);
  });

  it('times out an attempt that gets no answer', async () => {
    handlers.push(() => undefined);
    handlers.push(() => undefined);
    await assert.rejects(
      (
        await client({
          requestTimeoutMs: 50,
          retry: { retries: 1, initialDelayMs: 1, maxDelayMs: 1 },
        })
      ).readSecret('s', 'a'),
      failsWith(exitCodes.unreachable, /ETIMEDOUT, 2 attempts/),
    );
  });

  it('logs one line per request with --verbose, without token, body or value', async () => {
    handlers.push((_, res) => answer(res, 503, {}));
    await (await client({ isVerbose: true })).readSecret('s', 'a');
    assert.equal(logs.length, 3);
    assert.match(logs[0] ?? '', /^POST \/secretstore\/s\/secrets\/a 503 \d+ms$/);
    assert.match(logs[1] ?? '', /^retrying POST .* in 5ms$/);
    assert.match(logs[2] ?? '', /^POST \/secretstore\/s\/secrets\/a 200 \d+ms$/);
    assert.ok(!logs.join('\n').includes('token-one') && !logs.join('\n').includes('value'));
  });

  it('trusts an HTTPS server through --federated-server-ca, and only then', async () => {
    const tls = await createClusterTLS({ caName: 'esi-test-hub' });
    const secure = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (_, res) =>
      answer(res, 200, 'over tls'),
    );
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const url = new URL(`https://localhost:${(secure.address() as AddressInfo).port}`);
    try {
      await writeFile(join(dir, 'server-ca.crt'), tls.caPem);
      const trusted = await client({ serverUrl: url, serverCaPath: join(dir, 'server-ca.crt') });
      assert.equal(await trusted.readSecret('s', 'a'), 'over tls');
      const untrusted = await client({
        serverUrl: url,
        retry: { retries: 0, initialDelayMs: 1, maxDelayMs: 1 },
      });
      await assert.rejects(
        untrusted.readSecret('s', 'a'),
        failsWith(exitCodes.unreachable, /check --federated-server-ca/),
      );
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });
});
