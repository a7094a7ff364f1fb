import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { stateFileName } from '../../src/state/index.js';
import {
  appToken,
  baseManifests,
  call,
  caBody,
  eventually,
  issuerA,
  issuerB,
} from '../support/hub.js';
import { CliProcess, runCli } from '../support/process.js';

/** The request line and headers of a secret read whose body is still to come. */
function openRequest(token: string, bodyLength: number): string {
  return [
    'POST /secretstore/main-store/secrets/hello HTTP/1.1',
    'Host: hub',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    `Content-Length: ${bodyLength}`,
    '',
    '',
  ].join('\r\n');
}

/** Everything the server sends on `socket` until it closes it or `ms` pass. */
async function collect(socket: Socket, ms: number): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await Promise.race([once(socket, 'close'), new Promise((resolve) => setTimeout(resolve, ms))]);
  return text;
}

async function isRefused(port: number): Promise<boolean> {
  const probe = connect(port, '127.0.0.1');
  try {
    await once(probe, 'connect');
    return false;
  } catch {
    return true;
  } finally {
    probe.destroy();
  }
}

describe('stopping and reloading federation-server serve', () => {
  let root: string;
  let clusterA: ClientCluster;
  let clusterB: ClientCluster;
  const running: CliProcess[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fed-stop-'));
    clusterA = await startClientCluster({ issuer: issuerA });
    clusterB = await startClientCluster({ issuer: issuerB });
  });

  after(async () => {
    for (const server of running) await server.stop();
    await clusterA.close();
    await clusterB.close();
    await rm(root, { recursive: true, force: true });
  });

  async function startServer(name: string, extra: string[]) {
    const configDir = join(root, name, 'config');
    const dataDir = join(root, name, 'data');
    await mkdir(configDir, { recursive: true });
    for (const [file, text] of Object.entries(baseManifests(clusterA, clusterB))) {
      await writeFile(join(configDir, file), text);
    }
    const server = new CliProcess([
      'serve',
      '--config-dir',
      configDir,
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      ...extra,
    ]);
    running.push(server);
    const match = await server.waitFor(/"url":"http:\/\/127\.0\.0\.1:(\d+)"/);
    const port = Number(match[1]);
    return { server, port, url: `http://127.0.0.1:${port}`, configDir, dataDir };
  }

  it('finishes a request in flight after SIGTERM, refuses new connections and closes the database', async () => {
    const { server, port, dataDir } = await startServer('drain', ['--shutdown-timeout', '20s']);
    const body = JSON.stringify(caBody(clusterA));
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(openRequest(appToken(clusterA), Buffer.byteLength(body)) + body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.child.kill('SIGTERM');
    await server.waitFor(/"msg":"shutting down"/);
    await eventually(() => isRefused(port), 5000);
    assert.equal(server.child.exitCode, null, 'the server waits for the request in flight');

    const answer = collect(socket, 10_000);
    socket.write(body.slice(10));
    const response = await answer;
    assert.match(response, /^HTTP\/1\.1 200 /);
    assert.match(response, /\r\nconnection: close\r\n/i, 'the connection ends with the answer');
    assert.ok(response.endsWith('"world"'), response);
    assert.equal(await server.exited, 0);
    assert.match(server.stdout, /"msg":"stopped"/);
    assert.ok(!existsSync(join(dataDir, `${stateFileName}-wal`)), 'the database was closed');
  });

  it('cuts a request that outlasts --shutdown-timeout and still exits 0', async () => {
    const { server, port } = await startServer('cut', ['--shutdown-timeout', '300ms']);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(openRequest(appToken(clusterA), 1000) + '{');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = once(socket, 'close');

    const started = Date.now();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - started < 8000, 'the drain deadline bounds the shutdown');
    await closed;
    assert.match(server.stdout, /still in flight at the drain deadline/);
  });

  it('cuts requests in flight at once on a second SIGTERM', async () => {
    const { server, port } = await startServer('twice', ['--shutdown-timeout', '60s']);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(openRequest(appToken(clusterA), 1000) + '{');
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.child.kill('SIGTERM');
    await server.waitFor(/"msg":"shutting down"/);
    server.child.kill('SIGTERM');
    const started = Date.now();
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - started < 8000);
    assert.match(server.stdout, /second stop signal/);
  });

  it('keeps serving on SIGHUP and has the files in force once the reload finished', async () => {
    const { server, url, configDir } = await startServer('hup', []);
    const token = appToken(clusterA);
    const before = await call({ url }, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(clusterA),
    });
    assert.equal(before.body, 'world');

    const file = join(configDir, 'stores.yaml');
    const text = await readFile(file, 'utf8');
    assert.ok(text.includes('world'), 'the test store serves hello: world');
    await writeFile(file, text.replace('world', 'earth'));
    server.child.kill('SIGHUP');
    await server.waitFor(/"msg":"reload finished"/);

    const after = await call({ url }, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(clusterA),
    });
    assert.equal(after.status, 200);
    assert.equal(after.body, 'earth');
    assert.equal(server.child.exitCode, null);
    assert.equal(await server.stop(), 0);
  });

  it('opens a new audit file at the path on SIGHUP, and the chain goes on into it', async () => {
    const { server, url, dataDir } = await startServer('hup-audit', []);
    const auditLog = join(dataDir, 'audit.log');
    const rotated = join(dataDir, 'audit.log.1');
    const read = () =>
      call({ url }, '/secretstore/main-store/secrets/hello', {
        token: appToken(clusterA),
        body: caBody(clusterA),
      });
    assert.equal((await read()).status, 200);

    await rename(auditLog, rotated);
    server.child.kill('SIGHUP');
    await server.waitFor(/"msg":"reload finished"/);
    // The sink follows a rename on its own only at a write, at most once a second; a file
    // at the path before any request proves the signal reopened it.
    assert.match(server.stdout, /"msg":"audit log reopened"/);
    assert.equal(await readFile(auditLog, 'utf8'), '', 'a new, empty file at the path');

    assert.equal((await read()).status, 200);
    const seqs = async (file: string) =>
      (await readFile(file, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { seq: number }).seq);
    assert.deepEqual(await seqs(rotated), [1]);
    assert.deepEqual(await seqs(auditLog), [2]);

    const first = await runCli(['audit', 'verify', rotated]);
    assert.equal(first.code, 0, first.stderr);
    const head = /head ([0-9a-f]{64})/.exec(first.stdout)?.[1] ?? '';
    const second = await runCli(['audit', 'verify', auditLog, '--prev', head]);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /^ok: 1 line, seq 2 to 2, head [0-9a-f]{64}, follows --prev\n$/);
    assert.equal(await server.stop(), 0);
  });
});
