import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';

import { runCli } from './main.js';
import type { CliIo } from './main.js';

/** A loopback stand-in for the federation server: secrets and generators by path. */
interface FakeHub {
  secrets: Map<string, string | number>;
  generators: Map<string, Record<string, string>>;
  requests: string[];
}

describe('esi-cli runs', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let hub: FakeHub;
  let signals: EventEmitter;
  let stdout: string;
  let stderr: string;

  const io = (): CliIo => ({
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { PATH: process.env.PATH },
    signals,
  });

  const connection = (): string[] => [
    '--federated-server-url',
    url,
    '--federated-token',
    join(dir, 'token'),
    '--federated-ca-crt',
    join(dir, 'ca.crt'),
    '--retry-initial-delay',
    '1ms',
  ];

  const cli = (args: string[]) => runCli(['node', 'esi-cli', ...args], io());

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'esi-main-'));
    await writeFile(join(dir, 'token'), 'a-token');
    await writeFile(join(dir, 'ca.crt'), 'PEM');
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const path = decodeURIComponent(request.url ?? '');
        hub.requests.push(`${request.method} ${path}`);
        const secret = hub.secrets.get(path.replace('/secretstore/main/secrets/', ''));
        const generated = hub.generators.get(path.replace('/generators/', ''));
        let status = 404;
        let body: unknown = { message: 'not found or not permitted', reason: 'NotFound' };
        if (typeof secret === 'number') [status, body] = [secret, { reason: 'BackendError' }];
        else if (secret !== undefined) [status, body] = [200, secret];
        else if (generated && request.method === 'DELETE') [status, body] = [200, { revoked: 1 }];
        else if (generated) [status, body] = [200, generated];
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    hub = {
      secrets: new Map<string, string | number>([
        ['hello', 'world'],
        ['db/credentials', '{"username":"app","password":"pw"}'],
      ]),
      generators: new Map([['ns/UUID/id', { uuid: '0000-1111' }]]),
      requests: [],
    };
    signals = new EventEmitter();
    stdout = '';
    stderr = '';
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('prints what get fetched, secrets first, then generators', async () => {
    const result = await cli([
      'get',
      ...connection(),
      '--federated-store',
      'main',
      '--external-secrets',
      'hello',
      '--federated-generators',
      'ns/UUID/id',
    ]);
    assert.deepEqual(result, { code: 0 });
    assert.deepEqual(JSON.parse(stdout), {
      secrets: { hello: 'world' },
      generators: { 'ns/UUID/id': { uuid: '0000-1111' } },
    });
    assert.deepEqual(hub.requests, [
      'POST /secretstore/main/secrets/hello',
      'POST /generators/ns/UUID/id',
    ]);
    assert.equal(stderr, '');
  });

  it('runs the program with the injected variables and passes its exit code', async () => {
    const marker = join(dir, 'env.json');
    const program = `require("fs").writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.env)); process.exit(5)`;
    const result = await cli([
      ...connection(),
      '--federated-store',
      'main',
      '--external-secrets',
      'hello,db/credentials',
      '--federated-generators',
      'ns/UUID/id',
      '--inject-on-env',
      '*,GREETING=hello',
      '--revoke-on-exit',
      '--',
      process.execPath,
      '-e',
      program,
    ]);
    assert.deepEqual(result, { code: 5 }, stderr);
    const env = JSON.parse(await readFile(marker, 'utf8')) as Record<string, string>;
    assert.equal(env.HELLO, 'world');
    assert.equal(env.GREETING, 'world');
    assert.equal(env.USERNAME, 'app');
    assert.equal(env.UUID, '0000-1111');
    assert.equal(hub.requests.at(-1), 'DELETE /generators/ns/UUID/id');
  });

  it('never starts the program when a key is missing, and revokes what was generated', async () => {
    const marker = join(dir, 'started');
    const result = await cli([
      ...connection(),
      '--federated-generators',
      'ns/UUID/id',
      '--inject-on-env',
      'X=absent',
      '--revoke-on-exit',
      '--',
      process.execPath,
      '-e',
      `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`,
    ]);
    assert.deepEqual(result, { code: 9 });
    assert.equal(
      stderr,
      "esi-cli: key 'absent' is missing from the fetched secrets and generator outputs\n",
    );
    assert.equal(existsSync(marker), false);
    assert.deepEqual(hub.requests, [
      'POST /generators/ns/UUID/id',
      'DELETE /generators/ns/UUID/id',
    ]);
  });

  it('writes files and exits 0 without a program', async () => {
    const file = join(dir, 'init', 'user');
    const result = await cli([
      ...connection(),
      '--federated-store',
      'main',
      '--external-secrets',
      'db/credentials',
      '--inject-on-file',
      `${file}=db/credentials.username`,
    ]);
    assert.deepEqual(result, { code: 0 }, stderr);
    assert.equal(await readFile(file, 'utf8'), 'app');
  });

  it('stops at a missing secret with exit code 6 before any generator runs', async () => {
    const result = await cli([
      ...connection(),
      '--federated-store',
      'main',
      '--external-secrets',
      'absent',
      '--federated-generators',
      'ns/UUID/id',
      '--',
      'true',
    ]);
    assert.deepEqual(result, { code: 6 });
    assert.equal(stderr, "esi-cli: secret 'absent' in store 'main': not permitted or not found\n");
    assert.deepEqual(hub.requests, ['POST /secretstore/main/secrets/absent']);
  });

  it('reports a usage error in one line with exit code 2', async () => {
    assert.deepEqual(await cli(['--no-such-flag']), { code: 2 });
    assert.equal(stderr, "esi-cli: unknown option '--no-such-flag'\n");
  });

  it('keeps files fresh in daemon mode, keeps them through failures, and stops on SIGTERM', async () => {
    const file = join(dir, 'daemon', 'hello');
    const running = cli([
      ...connection(),
      '--retries',
      '0',
      '--mode',
      'daemon',
      '--daemon-refresh-interval',
      '20ms',
      '--federated-store',
      'main',
      '--external-secrets',
      'hello',
      '--federated-generators',
      'ns/UUID/id',
      '--inject-on-file',
      `${file}=hello,${join(dir, 'daemon', 'uuid')}=uuid`,
      '--revoke-on-exit',
    ]);
    await waitFor(async () => (await readFile(file, 'utf8').catch(() => '')) === 'world');

    hub.secrets.set('hello', 503);
    await waitFor(async () => stderr.includes('refresh failed'));
    assert.equal(await readFile(file, 'utf8'), 'world');
    assert.match(
      stderr,
      /^esi-cli: refresh failed, keeping the last good files: secret 'hello' in store 'main': the server failed \(503 BackendError, 1 attempt\)/,
    );

    hub.secrets.set('hello', 'again');
    await waitFor(async () => (await readFile(file, 'utf8')) === 'again');
    signals.emit('SIGTERM');
    assert.deepEqual(await running, { code: 0 });

    const generatorCalls = hub.requests.filter((request) => request.includes('/generators/'));
    assert.deepEqual(generatorCalls, [
      'POST /generators/ns/UUID/id',
      'DELETE /generators/ns/UUID/id',
    ]);
    assert.equal(signals.listenerCount('SIGTERM'), 0);
  });

  it('exits with the failure of the first daemon fetch', async () => {
    const result = await cli([
      ...connection(),
      '--mode',
      'daemon',
      '--federated-store',
      'main',
      '--external-secrets',
      'absent',
      '--inject-on-file',
      `${join(dir, 'never')}=absent`,
    ]);
    assert.deepEqual(result, { code: 6 });
    assert.equal(existsSync(join(dir, 'never')), false);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
