import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { isInCluster, KubeApi, serviceAccountDir, serviceAccountNamespace } from './kube-api.js';

const variables = [
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
  'FEDERATION_SERVICE_ACCOUNT_DIR',
] as const;

describe('in-cluster configuration', () => {
  let dir: string;
  const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-api-sa-'));
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    process.env.FEDERATION_SERVICE_ACCOUNT_DIR = dir;
  });

  afterEach(async () => {
    for (const name of variables) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await rm(dir, { recursive: true, force: true });
  });

  const writeAccount = async (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  };

  it('takes the service account directory from FEDERATION_SERVICE_ACCOUNT_DIR', () => {
    assert.equal(serviceAccountDir(), dir);
    delete process.env.FEDERATION_SERVICE_ACCOUNT_DIR;
    assert.equal(serviceAccountDir(), '/var/run/secrets/kubernetes.io/serviceaccount');
  });

  it('is in a cluster when the service host is set', () => {
    assert.equal(isInCluster(), true);
    delete process.env.KUBERNETES_SERVICE_HOST;
    assert.equal(isInCluster(), false);
  });

  it('reads the namespace file, and has none when it is missing or blank', async () => {
    assert.equal(serviceAccountNamespace(), undefined);
    await writeAccount({ namespace: '  \n' });
    assert.equal(serviceAccountNamespace(), undefined);
    await writeAccount({ namespace: 'hub-system\n' });
    assert.equal(serviceAccountNamespace(), 'hub-system');
  });

  it('builds the server address, an IPv6 host in brackets', async () => {
    await writeAccount({ token: 'abc\n', 'ca.crt': 'not checked until the first request' });
    assert.equal(KubeApi.connect({ inCluster: true }).server, 'https://10.96.0.1:443');
    process.env.KUBERNETES_SERVICE_HOST = 'fd00:10:96::1';
    process.env.KUBERNETES_SERVICE_PORT = '6443';
    assert.equal(KubeApi.connect({ inCluster: true }).server, 'https://[fd00:10:96::1]:6443');
  });

  it('names in one line the file or variable that is missing', async () => {
    const attempt = () => KubeApi.connect({ inCluster: true });
    assert.throws(attempt, {
      message: `cannot use the in-cluster configuration: cannot read ${join(dir, 'token')} (ENOENT)`,
    });
    await writeAccount({ token: '\n' });
    assert.throws(attempt, { message: /token is empty$/ });
    await writeAccount({ token: 'abc' });
    assert.throws(attempt, { message: /cannot read .*ca\.crt \(ENOENT\)$/ });
    await writeAccount({ 'ca.crt': 'pem' });
    delete process.env.KUBERNETES_SERVICE_PORT;
    assert.throws(attempt, { message: /KUBERNETES_SERVICE_PORT must both be set$/ });
  });
});
