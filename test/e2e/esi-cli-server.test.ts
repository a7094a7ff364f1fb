import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createClusterTLS } from '../../src/dev/cluster-ca.js';
import { createLogger } from '../../src/logger.js';
import { startStandalone } from '../../src/server/standalone.js';
import { appToken, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { EsiProcess, runEsi, waitForFile } from '../support/esi-cli.js';

/** A TLS front for the hub, as an ingress or a sidecar proxy would be in production. */
async function startTlsFront(
  target: string,
): Promise<{ url: string; caPem: string; server: Server }> {
  const tls = await createClusterTLS({ caName: 'hub-front-ca' });
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const upstream = httpRequest(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `https://localhost:${port}`, caPem: tls.caPem, server };
}

describe('esi-cli and the server around it', () => {
  let hub: TestHub;
  let dir: string;
  let tokenFile: string;
  let caFile: string;

  before(async () => {
    hub = await startTestHub();
    dir = await mkdtemp(join(tmpdir(), 'esi-srv-'));
    tokenFile = join(dir, 'token');
    caFile = join(dir, 'ca.crt');
    await writeFile(tokenFile, appToken(hub.clusterA));
    await writeFile(caFile, hub.clusterA.caPem);
  });
  after(async () => {
    await hub.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('trusts the server over HTTPS with --federated-server-ca, and only with it', async () => {
    const front = await startTlsFront(hub.url);
    try {
      const serverCa = join(dir, 'server-ca.crt');
      await writeFile(serverCa, front.caPem);
      const flags = [
        'get',
        '--federated-server-url',
        front.url,
        '--federated-token',
        tokenFile,
        '--federated-ca-crt',
        caFile,
        '--federated-store',
        'main-store',
        '--external-secrets',
        'hello',
        '--retries',
        '0',
      ];
      const trusted = await runEsi([...flags, '--federated-server-ca', serverCa]);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.deepEqual(JSON.parse(trusted.stdout).secrets, { hello: 'world' });
      const untrusted = await runEsi(flags);
      assert.equal(untrusted.code, 4);
    } finally {
      front.server.close();
    }
  });

  it('keeps the last good files while the server restarts, then picks up changes', async () => {
    const file = join(dir, 'daemon', 'hello');
    const esi = new EsiProcess([
      '--federated-server-url',
      hub.url,
      '--federated-token',
      tokenFile,
      '--federated-ca-crt',
      caFile,
      '--mode',
      'daemon',
      '--daemon-refresh-interval',
      '200ms',
      '--retries',
      '0',
      '--federated-store',
      'main-store',
      '--external-secrets',
      'hello',
      '--inject-on-file',
      `${file}=hello`,
    ]);
    try {
      await waitForFile(file, 'world');
      await hub.server.close();
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(await readFile(file, 'utf8'), 'world');

      const stores = join(hub.configDir, 'stores.yaml');
      await writeFile(
        stores,
        (await readFile(stores, 'utf8')).replace('value: world', 'value: again'),
      );
      const port = Number(new URL(hub.url).port);
      const restarted = await startStandalone({
        configDir: hub.configDir,
        dataDir: hub.dataDir,
        host: '127.0.0.1',
        port,
        logger: createLogger('silent'),
      });
      hub.server = restarted;
      await waitForFile(file, 'again');
    } finally {
      esi.child.kill('SIGTERM');
      const result = await esi.done;
      assert.equal(result.code, 0, result.stderr);
    }
  });
});
