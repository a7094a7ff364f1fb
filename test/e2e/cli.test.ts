import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { createClusterTLS } from '../../src/dev/cluster-ca.js';
import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { appToken, baseManifests, call, caBody, issuerA, issuerB } from '../support/hub.js';
import { CliProcess, runCli } from '../support/process.js';

const run = promisify(execFile);

describe('federation-server serve, as a process', () => {
  let root: string;
  let clusterA: ClientCluster;
  let clusterB: ClientCluster;
  let server: CliProcess;
  let url: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fed-cli-'));
    clusterA = await startClientCluster({ issuer: issuerA });
    clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
    await mkdir(join(root, 'config'));
    for (const [file, text] of Object.entries(baseManifests(clusterA, clusterB))) {
      await writeFile(join(root, 'config', file), text);
    }
    server = new CliProcess([
      'serve',
      '--config-dir',
      join(root, 'config'),
      '--data-dir',
      join(root, 'data'),
      '--listen',
      '127.0.0.1:0',
    ]);
    const match = await server.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
    url = match[1] ?? '';
  });

  after(async () => {
    await server.stop();
    await clusterA.close();
    await clusterB.close();
    await rm(root, { recursive: true, force: true });
  });

  it('is ready and serves a secret and a generator', async () => {
    assert.equal((await call({ url }, '/readyz', { method: 'GET' })).status, 200);
    const token = appToken(clusterA);
    const secret = await call({ url }, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(clusterA),
    });
    assert.equal(secret.status, 200);
    assert.equal(secret.body, 'world');
    const generated = await call({ url }, '/generators/gen/UUID/request-id', {
      token,
      body: caBody(clusterA),
    });
    assert.equal(generated.status, 200);
  });

  it('logs one JSON line per request without the token or the secret value', async () => {
    const token = appToken(clusterA);
    await call({ url }, '/secretstore/main-store/secrets/db%2Fcredentials', {
      token,
      body: caBody(clusterA),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = server.stdout.trim().split('\n');
    for (const line of lines) JSON.parse(line);
    const completed = lines.filter((line) => line.includes('"request completed"'));
    assert.ok(completed.length >= 3);
    const last = JSON.parse(completed[completed.length - 1] ?? '{}') as Record<string, unknown>;
    assert.equal(last.status, 200);
    assert.equal(last.subject, 'system:serviceaccount:app:app-sa');
    assert.equal(last.federation, 'cluster-a');
    assert.equal(last.store, 'main-store');
    assert.equal(typeof last.durationMs, 'number');
    assert.ok(!server.stdout.includes(token));
    assert.ok(!server.stdout.includes('pw-main-0001'));
  });

  it('stops cleanly on SIGTERM', async () => {
    assert.equal(await server.stop(), 0);
  });
});

describe('federation-server serve refusals', () => {
  it('refuses plain HTTP on a non-loopback address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fed-cli-'));
    try {
      const result = await runCli(['serve', '--config-dir', dir, '--listen', '0.0.0.0:0']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explains a bad flag value in one line', async () => {
    const result = await runCli(['serve', '--config-dir', '.', '--backend-timeout', 'soon']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /invalid duration "soon"/);
  });

  it('explains a bad metrics address in one line', async () => {
    const result = await runCli(['serve', '--config-dir', '.', '--metrics-listen', 'nowhere']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /invalid listen address "nowhere"/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('asks for a mode outside a pod, and refuses two at once', async () => {
    // Outside a pod whatever runs the tests: no in-cluster service address.
    const env = { ...process.env };
    delete env.KUBERNETES_SERVICE_HOST;
    const neither = await runCli(['serve'], 20_000, env);
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /give --config-dir DIR \(standalone mode\) or --kubeconfig PATH/);
    const both = await runCli(['serve', '--config-dir', '.', '--kubeconfig', 'kubeconfig']);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /not both/);
    assert.doesNotMatch(`${neither.stderr}${both.stderr}`, /\n\s+at /);
  });

  it('says in one line when the kubeconfig cannot be read', async () => {
    const result = await runCli(['serve', '--kubeconfig', join(tmpdir(), 'no-such-kubeconfig')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /kubeconfig/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe('federation-server validate', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fed-validate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names the file, document, field path and reason of the seed typo', async () => {
    const seed = `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: my-client-cluster
spec:
  url: https://api.my-client-cluster.example.com
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: allow-app-x-access-vault
_spec:
  federationRef:
    kind: KubernetesFederation
    name: my-client-cluster
`;
    await writeFile(join(dir, 'seed.yaml'), seed);
    const result = await runCli(['validate', '--config-dir', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /seed\.yaml/);
    assert.match(result.stderr, /Authorization\/allow-app-x-access-vault/);
    assert.match(result.stderr, /unknown field `_spec`; did you mean `spec`\?/);
    assert.match(result.stderr, /document 2/);
  });

  it('exits 0 for a valid directory', async () => {
    const cluster = await startClientCluster();
    try {
      const valid = join(dir, 'valid');
      await mkdir(valid);
      for (const [file, text] of Object.entries(baseManifests(cluster, cluster))) {
        await writeFile(join(valid, file), text);
      }
      const result = await runCli(['validate', '--config-dir', valid]);
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await cluster.close();
    }
  });
});

describe('--help', () => {
  it('documents every flag of every command', async () => {
    const expected: Record<string, string[]> = {
      serve: [
        '--config-dir',
        '--data-dir',
        '--listen',
        '--log-level',
        '--backend-timeout',
        '--state-ttl',
        '--sweep-interval',
        '--jwks-fetch-timeout',
        '--jwks-refresh-interval',
        '--jwks-unknown-kid-cooldown',
        '--jwks-max-stale',
        '--clock-skew',
        '--require-ca-bundle',
        '--rate-limit',
        '--rate-limit-burst',
        '--metrics-listen',
        '--tls-cert',
        '--tls-key',
        '--tls-client-ca',
        '--insecure-http',
        '--max-header-size',
        '--headers-timeout',
        '--request-timeout',
        '--keep-alive-timeout',
        '--max-concurrent-backend-calls',
      ],
      validate: ['--config-dir'],
      dev: ['--work-dir', '--listen'],
    };
    const docs = await readFile(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    for (const [command, flags] of Object.entries(expected)) {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      for (const flag of flags) {
        assert.ok(result.stdout.includes(flag), `${command} --help lacks ${flag}`);
        assert.ok(docs.includes(`\`${flag}`), `docs/cli.md lacks ${flag}`);
      }
    }
  });
});

describe('federation-server dev', () => {
  it('prints a curl command that fetches a secret', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'fed-dev-'));
    const dev = new CliProcess(['dev', '--work-dir', workDir, '--listen', '127.0.0.1:0']);
    try {
      const match = await dev.waitFor(/^\s*(curl -s -X POST .*\/secretstore\/.*)$/m);
      const { stdout } = await run('bash', ['-c', match[1] ?? 'false']);
      assert.equal(stdout, '"world"');
      const generator = await dev.waitFor(/^\s*(curl -s -X POST .*\/generators\/.*)$/m);
      const generated = await run('bash', ['-c', generator[1] ?? 'false']);
      assert.equal(JSON.parse(generated.stdout).password.length, 32);
      const withCa = await dev.waitFor(/^\s*(curl -s -X POST .*ca\.crt.*)$/m);
      const credentials = await run('bash', ['-c', withCa[1] ?? 'false']);
      assert.equal(JSON.parse(JSON.parse(credentials.stdout)).username, 'app');
    } finally {
      assert.equal(await dev.stop(), 0);
      await rm(workDir, { recursive: true, force: true });
    }
  });
});

describe('federation-server dev with --tls-cert', () => {
  it('prints curl commands that trust the serving certificate', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fed-dev-tls-'));
    const workDir = join(root, 'work');
    const serving = await createClusterTLS({ caName: 'dev-hub-ca' });
    const certFile = join(root, 'hub.crt');
    const keyFile = join(root, 'hub.key');
    await writeFile(certFile, `${serving.certPem.trim()}\n${serving.caPem}`);
    await writeFile(keyFile, serving.keyPem, { mode: 0o600 });
    const dev = new CliProcess([
      'dev',
      '--work-dir',
      workDir,
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      certFile,
      '--tls-key',
      keyFile,
    ]);
    try {
      const match = await dev.waitFor(/^\s*(curl -s -X POST .*\/secretstore\/.*)$/m);
      const line = match[1] ?? '';
      assert.ok(line.includes(` --cacert ${certFile} https://127.0.0.1:`), line);
      const { stdout } = await run('bash', ['-c', line]);
      assert.equal(stdout, '"world"');
    } finally {
      assert.equal(await dev.stop(), 0);
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('npx from the repository root', () => {
  it('runs both federation-server and esi-cli', async () => {
    const root = new URL('../../../', import.meta.url);
    for (const command of ['federation-server', 'esi-cli']) {
      const { stdout } = await run('npx', ['--no-install', command, '--help'], { cwd: root });
      assert.match(stdout, /Usage: /, command);
    }
  });
});
