import assert from 'node:assert/strict';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

import * as x509 from '@peculiar/x509';
import { Agent, fetch } from 'undici';

import { createClusterTLS } from '../../src/dev/cluster-ca.js';
import type { ClusterTLS } from '../../src/dev/cluster-ca.js';
import { appToken, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { runEsi } from '../support/esi-cli.js';
import { CliProcess, runCli } from '../support/process.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise`, failing after `ms` instead of hanging until the test times out. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Client-side TLS material: trusted CAs and, for client authentication, a certificate. */
type ClientTls = Pick<ConnectionOptions, 'ca' | 'cert' | 'key'>;

/** One HTTPS request on a fresh connection; rejects when TLS refuses it. */
async function send(
  url: string,
  tls: ClientTls,
  init: { method?: string; body?: string; token?: string } = {},
): Promise<{ status: number; text: string }> {
  const dispatcher = new Agent({ connect: tls });
  try {
    const headers: Record<string, string> = {};
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      headers,
      dispatcher,
    });
    return { status: response.status, text: await response.text() };
  } finally {
    await dispatcher.close();
  }
}

/** The SHA-256 fingerprint of the certificate a new TLS connection is shown. */
function peerFingerprint(url: string, tls: ClientTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port: Number(new URL(url).port), ...tls });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

/**
 * Publishes files the way the kubelet updates a mounted Secret: a new timestamped
 * directory, then one atomic rename of the `..data` symlink that the file links go through.
 */
class SecretVolume {
  #generation = 0;

  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  async publish(files: Record<string, string>): Promise<void> {
    const previous = `..gen-${this.#generation}`;
    this.#generation += 1;
    const current = `..gen-${this.#generation}`;
    await mkdir(join(this.dir, current), { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(this.dir, current, name), text);
    }
    await symlink(current, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      await symlink(join('..data', name), this.path(name)).catch(() => undefined);
    }
    await rm(join(this.dir, previous), { recursive: true, force: true });
  }
}

interface RawConnection {
  socket: Socket;
  /** Resolves with what the server sent once it ended its side. */
  ended: Promise<string>;
  /** Resolves once the connection is gone on both sides. */
  closed: Promise<void>;
}

/**
 * A raw TCP connection that behaves as no well-mannered client would: it never closes its
 * own side, so only the server can end the connection.
 */
async function rawConnection(url: string): Promise<RawConnection> {
  const port = Number(new URL(url).port);
  const socket = connectTcp({ host: '127.0.0.1', port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const ended = new Promise<string>((resolve) => socket.once('end', () => resolve(received)));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, ended, closed };
}

/** Writes `byte` every `intervalMs` until stopped, as a slowloris client does. */
function trickle(socket: Socket, byte: string, intervalMs: number): () => void {
  const timer = setInterval(() => {
    if (socket.writable) socket.write(byte);
  }, intervalMs);
  return () => clearInterval(timer);
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A CA that signs client certificates, and one client certificate it signed. */
async function createClientPki(
  name: string,
): Promise<{ caPem: string; cert: string; key: string }> {
  const crypto = webcrypto;
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const serialNumber = (): string => `01${randomBytes(15).toString('hex')}`;
  const caKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${name}`,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: signing,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    },
    crypto,
  );
  const clientKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const client = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: `CN=${name}-client`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: clientKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: signing,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', clientKeys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  return { caPem: ca.toString('pem'), cert: client.toString('pem'), key };
}

describe('HTTPS with --tls-cert and --tls-key', () => {
  let volume: SecretVolume;
  let hub: TestHub;
  let first: ClusterTLS;

  before(async () => {
    volume = new SecretVolume(await mkdtemp(join(tmpdir(), 'fed-tls-')));
    first = await createClusterTLS({ caName: 'hub-ca-1' });
    await volume.publish({ 'tls.crt': first.certPem, 'tls.key': first.keyPem });
    hub = await startTestHub({
      tls: { certFile: volume.path('tls.crt'), keyFile: volume.path('tls.key') },
      tlsPollIntervalMs: 200,
      limits: { headersTimeoutMs: 1000 },
    });
  });

  after(async () => {
    await hub.close();
    await rm(volume.dir, { recursive: true, force: true });
  });

  it('serves the API to a client that trusts the CA, and to esi-cli', async () => {
    assert.match(hub.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ready = await send(`${hub.url}/readyz`, { ca: first.caPem });
    assert.equal(ready.status, 200);
    const secret = await send(
      `${hub.url}/secretstore/main-store/secrets/hello`,
      {
        ca: first.caPem,
      },
      { method: 'POST', token: appToken(hub.clusterA), body: JSON.stringify(caBody(hub.clusterA)) },
    );
    assert.equal(secret.status, 200);
    assert.equal(JSON.parse(secret.text), 'world');

    const dir = await mkdtemp(join(tmpdir(), 'fed-tls-esi-'));
    try {
      await writeFile(join(dir, 'token'), appToken(hub.clusterA));
      await writeFile(join(dir, 'ca.crt'), hub.clusterA.caPem);
      await writeFile(join(dir, 'server-ca.crt'), first.caPem);
      const esi = await runEsi([
        'get',
        '--federated-server-url',
        hub.url,
        '--federated-server-ca',
        join(dir, 'server-ca.crt'),
        '--federated-token',
        join(dir, 'token'),
        '--federated-ca-crt',
        join(dir, 'ca.crt'),
        '--federated-store',
        'main-store',
        '--external-secrets',
        'hello',
        '--retries',
        '0',
      ]);
      assert.equal(esi.code, 0, esi.stderr);
      assert.deepEqual(JSON.parse(esi.stdout).secrets, { hello: 'world' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a client that does not trust the CA, and protocols older than TLS 1.2', async () => {
    const other = await createClusterTLS({ caName: 'someone-else' });
    await assert.rejects(send(`${hub.url}/healthz`, { ca: other.caPem }));
    await assert.rejects(
      peerFingerprint(hub.url, {
        ca: first.caPem,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      } as ClientTls),
    );
    const modern = { ca: first.caPem, maxVersion: 'TLSv1.2' } as ClientTls;
    assert.equal(await peerFingerprint(hub.url, modern), fingerprintOf(first.certPem));
  });

  it('drops a connection that does not finish its TLS handshake within the headers timeout', async () => {
    const { socket, ended, closed } = await rawConnection(hub.url);
    const started = Date.now();
    socket.write(Buffer.from([0x16, 0x03, 0x01]));
    try {
      await within(ended, 5000, 'the end of the connection');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 2500, `dropped after ${elapsed} ms`);
      // A socket the server only half-closed would take more bytes; a destroyed one resets.
      const stop = trickle(socket, '\0', 100);
      await within(closed, 3000, 'the reset of the connection').finally(stop);
    } finally {
      socket.destroy();
    }
  });

  it('presents a rotated certificate to new connections within two seconds', async () => {
    const second = await createClusterTLS({ caName: 'hub-ca-2' });
    assert.equal(await peerFingerprint(hub.url, { ca: first.caPem }), fingerprintOf(first.certPem));

    const rotated = Date.now();
    await volume.publish({ 'tls.crt': second.certPem, 'tls.key': second.keyPem });
    let seen = '';
    while (seen !== fingerprintOf(second.certPem)) {
      assert.ok(Date.now() - rotated < 2000, 'the new certificate was not served within 2 s');
      seen = await peerFingerprint(hub.url, { ca: second.caPem }).catch(() => '');
      if (seen !== fingerprintOf(second.certPem)) await sleep(50);
    }
    assert.equal((await send(`${hub.url}/healthz`, { ca: second.caPem })).status, 200);
    await assert.rejects(send(`${hub.url}/healthz`, { ca: first.caPem }));
    const reloaded = hub.logs.entries().filter((entry) => entry.msg === 'tls certificate reloaded');
    assert.equal(reloaded.at(-1)?.fingerprint, fingerprintOf(second.certPem));
    first = second;
  });

  it('keeps serving the current certificate when the new files are broken', async () => {
    const serving = fingerprintOf(first.certPem);
    const stranger = await createClusterTLS({ caName: 'stranger' });
    await volume.publish({ 'tls.crt': first.certPem, 'tls.key': stranger.keyPem });
    await sleep(800);
    assert.equal(await peerFingerprint(hub.url, { ca: first.caPem }), serving);

    await volume.publish({ 'tls.crt': 'not a certificate', 'tls.key': first.keyPem });
    await sleep(800);
    assert.equal(await peerFingerprint(hub.url, { ca: first.caPem }), serving);
    assert.equal((await send(`${hub.url}/healthz`, { ca: first.caPem })).status, 200);

    const warnings = hub.logs
      .entries()
      .filter((entry) => entry.msg === 'tls files not usable; keeping the certificate in service');
    assert.equal(warnings.length, 2, JSON.stringify(warnings));
    assert.match(String(warnings[0]?.reason), /private key in .*tls\.key does not belong/);
    assert.match(String(warnings[1]?.reason), /tls\.crt holds no PEM certificate/);
    assert.equal(warnings[0]?.keyFile, volume.path('tls.key'));
    const allLogs = hub.logs.lines.join('\n');
    for (const key of [first.keyPem, stranger.keyPem]) {
      const body = key.split('\n')[1] ?? '';
      assert.ok(!allLogs.includes(body.slice(0, 32)), 'key material in the log');
    }
    assert.ok(!allLogs.includes('PRIVATE KEY'));

    await volume.publish({ 'tls.crt': stranger.certPem, 'tls.key': stranger.keyPem });
    await sleep(800);
    assert.equal(
      await peerFingerprint(hub.url, { ca: stranger.caPem }),
      fingerprintOf(stranger.certPem),
    );
  });
});

describe('client certificates with --tls-client-ca', () => {
  let volume: SecretVolume;
  let hub: TestHub;
  let server: ClusterTLS;
  let clients: Awaited<ReturnType<typeof createClientPki>>;

  before(async () => {
    volume = new SecretVolume(await mkdtemp(join(tmpdir(), 'fed-mtls-')));
    server = await createClusterTLS({ caName: 'hub-ca' });
    clients = await createClientPki('clients-1');
    await volume.publish({
      'tls.crt': server.certPem,
      'tls.key': server.keyPem,
      'ca.crt': clients.caPem,
    });
    hub = await startTestHub({
      tls: {
        certFile: volume.path('tls.crt'),
        keyFile: volume.path('tls.key'),
        clientCaFile: volume.path('ca.crt'),
      },
      tlsPollIntervalMs: 200,
    });
  });

  after(async () => {
    await hub.close();
    await rm(volume.dir, { recursive: true, force: true });
  });

  it('answers a client whose certificate the client CA signed', async () => {
    const answer = await send(`${hub.url}/healthz`, {
      ca: server.caPem,
      cert: clients.cert,
      key: clients.key,
    });
    assert.equal(answer.status, 200);
  });

  it('refuses at the TLS layer a client without a certificate, or with a foreign one', async () => {
    await assert.rejects(send(`${hub.url}/healthz`, { ca: server.caPem }));
    const foreign = await createClientPki('foreign');
    await assert.rejects(
      send(`${hub.url}/healthz`, { ca: server.caPem, cert: foreign.cert, key: foreign.key }),
    );
  });

  it('reloads the client CA', async () => {
    const next = await createClientPki('clients-2');
    await volume.publish({
      'tls.crt': server.certPem,
      'tls.key': server.keyPem,
      'ca.crt': next.caPem,
    });
    const published = Date.now();
    const asNext = { ca: server.caPem, cert: next.cert, key: next.key };
    while ((await send(`${hub.url}/healthz`, asNext).catch(() => undefined))?.status !== 200) {
      assert.ok(Date.now() - published < 2000, 'the new client CA was not used within 2 s');
      await sleep(50);
    }
    await assert.rejects(
      send(`${hub.url}/healthz`, { ca: server.caPem, cert: clients.cert, key: clients.key }),
    );
  });
});

describe('slow and greedy clients', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({
      limits: {
        headersTimeoutMs: 1000,
        requestTimeoutMs: 2000,
        keepAliveTimeoutMs: 500,
        maxHeaderSizeBytes: 4096,
      },
    });
  });

  after(() => hub.close());

  it('cuts off a client that sends its headers a byte at a time, and serves others meanwhile', async () => {
    const { socket, ended, closed } = await rawConnection(hub.url);
    const started = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: ');
    const stop = trickle(socket, 'a', 300);
    try {
      for (let i = 0; i < 3; i += 1) {
        const answer = await fetch(`${hub.url}/healthz`);
        assert.equal(answer.status, 200);
        await answer.text();
        await sleep(200);
      }
      const received = await within(ended, 5000, 'the end of the connection');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900, `cut off after ${elapsed} ms, before the headers timeout`);
      assert.ok(elapsed < 2500, `cut off after ${elapsed} ms`);
      assert.doesNotMatch(received, /HTTP\/1\.1 200/);
      // Still trickling and never closing its side, the client loses the socket all the same.
      await within(closed, 3000, 'the reset of the half-open connection');
    } finally {
      stop();
      socket.destroy();
    }
  });

  it('cuts off a client that trickles its body past the request timeout', async () => {
    const { socket, ended, closed } = await rawConnection(hub.url);
    const started = Date.now();
    socket.write(
      'POST /secretstore/main-store/secrets/hello HTTP/1.1\r\nHost: hub\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const stop = trickle(socket, ' ', 200);
    try {
      await within(ended, 6000, 'the end of the connection');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1900 && elapsed < 3500, `cut off after ${elapsed} ms`);
      await within(closed, 3000, 'the reset of the half-open connection');
    } finally {
      stop();
      socket.destroy();
    }
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { socket, ended } = await rawConnection(hub.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n');
    const started = Date.now();
    const received = await within(ended, 5000, 'the end of the idle connection');
    const elapsed = Date.now() - started;
    assert.match(received, /^HTTP\/1\.1 200/);
    // Node keeps an idle socket up to one second past the timeout it advertises.
    assert.ok(elapsed >= 400 && elapsed < 3000, `closed after ${elapsed} ms`);
    socket.destroy();
  });

  it('answers headers above --max-header-size with 431 HeadersTooLarge', async () => {
    const answer = await fetch(`${hub.url}/healthz`, { headers: { 'x-big': 'a'.repeat(5000) } });
    assert.equal(answer.status, 431);
    assert.equal(((await answer.json()) as { reason: string }).reason, 'HeadersTooLarge');
    const fits = await fetch(`${hub.url}/healthz`, { headers: { 'x-big': 'a'.repeat(3000) } });
    assert.equal(fits.status, 200);
  });
});

describe('listen policy of federation-server serve', () => {
  let dir: string;
  let tls: ClusterTLS;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fed-listen-'));
    tls = await createClusterTLS({ caName: 'listen-ca' });
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'tls.crt'), tls.certPem);
    await writeFile(join(dir, 'tls.key'), tls.keyPem);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  const serveArgs = (...extra: string[]): string[] => [
    'serve',
    '--config-dir',
    join(dir, 'config'),
    '--data-dir',
    join(dir, `data-${randomBytes(4).toString('hex')}`),
    '--listen',
    '0.0.0.0:0',
    ...extra,
  ];

  it('refuses plain HTTP on 0.0.0.0, saying why and what to do instead', async () => {
    const result = await runCli(serveArgs());
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0/);
    assert.match(result.stderr, /bearer tokens would cross the network unencrypted/);
    assert.match(result.stderr, /--tls-cert and --tls-key/);
    assert.match(result.stderr, /--insecure-http/);
  });

  it('serves plain HTTP on 0.0.0.0 with --insecure-http, and warns', async () => {
    const server = new CliProcess(serveArgs('--insecure-http'));
    try {
      const [, port] = await server.waitFor(/"url":"http:\/\/0\.0\.0\.0:(\d+)"/);
      const warning = server.stdout
        .split('\n')
        .find((line) => line.includes('--insecure-http') && line.includes('"level":40'));
      assert.ok(warning, server.stdout);
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(answer.status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('serves HTTPS on 0.0.0.0 with --tls-cert and --tls-key', async () => {
    const server = new CliProcess(
      serveArgs('--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')),
    );
    try {
      const [, port] = await server.waitFor(/"url":"https:\/\/0\.0\.0\.0:(\d+)"/);
      const answer = await send(`https://127.0.0.1:${port}/healthz`, { ca: tls.caPem });
      assert.equal(answer.status, 200);
      assert.ok(!server.stdout.includes('PRIVATE KEY'));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('explains TLS flag mistakes in one line, without key material', async () => {
    const other = await createClusterTLS();
    await writeFile(join(dir, 'other.key'), other.keyPem);
    const cert = ['--tls-cert', join(dir, 'tls.crt')];
    const cases: [string[], RegExp][] = [
      [cert, /--tls-cert and --tls-key go together/],
      [['--tls-client-ca', join(dir, 'tls.crt')], /--tls-client-ca needs --tls-cert/],
      [[...cert, '--tls-key', join(dir, 'tls.key'), '--insecure-http'], /contradicts/],
      [
        [...cert, '--tls-key', join(dir, 'other.key')],
        /cannot serve HTTPS: the private key in .*other\.key does not belong/,
      ],
      [
        ['--tls-cert', join(dir, 'missing.crt'), '--tls-key', join(dir, 'tls.key')],
        /cannot serve HTTPS: cannot read .*missing\.crt: ENOENT/,
      ],
      [
        ['--insecure-http', '--request-timeout', '5s', '--headers-timeout', '10s'],
        /--headers-timeout must not be longer than --request-timeout/,
      ],
      [
        ['--insecure-http', '--max-concurrent-backend-calls', '0'],
        /invalid --max-concurrent-backend-calls "0"/,
      ],
    ];
    for (const [extra, message] of cases) {
      const result = await runCli(serveArgs(...extra));
      assert.notEqual(result.code, 0, extra.join(' '));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at |PRIVATE KEY/);
    }
  });
});
