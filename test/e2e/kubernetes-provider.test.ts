import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { CoreSecretsApi } from '../support/core-secrets-api.js';
import {
  appToken,
  baseManifests,
  call,
  caBody,
  issuerA,
  reasonOf,
  startTestHub,
  type TestHub,
} from '../support/hub.js';
import { TestCa } from '../support/test-certificates.js';

const remoteToken = 'e2e-remote-token-5f2a9c';
const remotePassword = 'pw-remote-e2e-7781';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function store(name: string, block: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name },
    spec: { provider: { kubernetes: block } },
  });
}

function secret(name: string, stringData: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'hub-creds' },
    stringData,
  });
}

const tokenRef = (key: string) => ({
  token: { bearerToken: { name: 'remote-cluster', key, namespace: 'hub-creds' } },
});

describe('the kubernetes provider through the server', () => {
  let api: CoreSecretsApi;
  let hub: TestHub;
  let token: string;
  let clientKeyPem: string;

  const read = (store: string, key: string, remoteRef?: Record<string, unknown>) =>
    call(hub, `/secretstore/${store}/secrets/${key}`, {
      token,
      body: caBody(hub.clusterA, remoteRef ? { remoteRef } : {}),
    });

  before(async () => {
    api = await CoreSecretsApi.start();
    api.tokens.set(remoteToken, ['payments']);
    api.clientNames.set('federation-hub', ['payments']);
    api.setSecret('payments', 'db', { data: { username: 'payments', password: remotePassword } });
    const client = await api.issueClientCertificate('federation-hub');
    clientKeyPem = client.keyPem;
    const otherCa = await TestCa.create('not-the-api-server-ca');
    const caBundle = Buffer.from(api.caPem).toString('base64');
    const server = { url: api.url, caBundle };
    const unreachable = `https://127.0.0.1:${await closedPort()}`;

    const stores = [
      store('k8s', { server, auth: tokenRef('token'), remoteNamespace: 'payments' }),
      store('k8s-cert', {
        server,
        auth: {
          cert: {
            clientCert: { name: 'remote-client', key: 'tls.crt', namespace: 'hub-creds' },
            clientKey: { name: 'remote-client', key: 'tls.key', namespace: 'hub-creds' },
          },
        },
        remoteNamespace: 'payments',
      }),
      store('k8s-wrong-token', { server, auth: tokenRef('stale'), remoteNamespace: 'payments' }),
      store('k8s-wrong-ca', {
        server: { url: api.url, caBundle: Buffer.from(otherCa.pem).toString('base64') },
        auth: tokenRef('token'),
        remoteNamespace: 'payments',
      }),
      store('k8s-unreachable', {
        server: { url: unreachable, caBundle },
        auth: tokenRef('token'),
        remoteNamespace: 'payments',
      }),
      store('k8s-no-creds', {
        server,
        auth: { token: { bearerToken: { name: 'absent', key: 'token', namespace: 'hub-creds' } } },
        remoteNamespace: 'payments',
      }),
    ];
    const grant = JSON.stringify({
      apiVersion: 'federation.external-secrets.io/v1alpha1',
      kind: 'Authorization',
      metadata: { name: 'k8s-reader' },
      spec: {
        federationRef: { kind: 'KubernetesFederation', name: 'cluster-a' },
        subject: { issuer: issuerA, subject: 'system:serviceaccount:app:app-sa' },
        allowedClusterSecretStores: [
          'k8s',
          'k8s-cert',
          'k8s-wrong-token',
          'k8s-wrong-ca',
          'k8s-unreachable',
          'k8s-no-creds',
        ],
      },
    });
    hub = await startTestHub({ backendTimeoutMs: 1500 }, (a, b) => ({
      ...baseManifests(a, b),
      'kubernetes-stores.yaml': [...stores, grant].join('\n---\n'),
      'kubernetes-credentials.yaml': [
        secret('remote-cluster', { token: remoteToken, stale: 'revoked-token-value' }),
        secret('remote-client', { 'tls.crt': client.certPem, 'tls.key': client.keyPem }),
      ].join('\n---\n'),
    }));
    token = appToken(hub.clusterA);
  });

  after(async () => {
    await hub?.close();
    await api?.close();
  });

  it('serves one key of a remote Secret as the property', async () => {
    const result = await read('k8s', 'db', { property: 'password' });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body, remotePassword);
    assert.equal(api.requests.at(-1)?.path, '/api/v1/namespaces/payments/secrets/db');
  });

  it('serves the whole remote Secret as JSON without property', async () => {
    const result = await read('k8s', 'db');
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(JSON.parse(result.body as string), {
      username: 'payments',
      password: remotePassword,
    });
  });

  it('authenticates with a client certificate from a Secret', async () => {
    const result = await read('k8s-cert', 'db', { property: 'username' });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body, 'payments');
    assert.equal(api.requests.at(-1)?.auth, 'cert');
  });

  it('answers 404 NotFound for a Secret or key that does not exist', async () => {
    const missing = await read('k8s', 'absent');
    assert.equal(missing.status, 404);
    assert.equal(reasonOf(missing), 'NotFound');
    const noKey = await read('k8s', 'db', { property: 'absent' });
    assert.equal(noKey.status, 404);
  });

  it('answers 400 InvalidRemoteRef for a key that cannot be a Secret name', async () => {
    const result = await read('k8s', 'a%2F..%2Fb');
    assert.equal(result.status, 400);
    assert.equal(reasonOf(result), 'InvalidRemoteRef');
  });

  it('answers 502 BackendError for a wrong token, a wrong CA and an unreachable server', async () => {
    for (const name of ['k8s-wrong-token', 'k8s-wrong-ca', 'k8s-unreachable']) {
      const result = await read(name, 'db');
      assert.equal(result.status, 502, name);
      assert.deepEqual(result.body, {
        message: 'the secret backend failed',
        reason: 'BackendError',
      });
    }
  });

  it('answers 502 for a 5xx and 504 for a server slower than the backend timeout', async () => {
    api.fault = 'status500';
    try {
      const failed = await read('k8s', 'db');
      assert.equal(failed.status, 502);
      api.fault = { slowMs: 4000 };
      const started = Date.now();
      const slow = await read('k8s', 'db');
      assert.equal(slow.status, 504);
      assert.equal(reasonOf(slow), 'BackendTimeout');
      assert.ok(Date.now() - started < 3900, 'answers before the backend does');
    } finally {
      api.fault = 'none';
    }
  });

  it('sends a read 3 times in all when the API server answers 503', async () => {
    api.fault = { status: 503 };
    try {
      const before = api.requests.length;
      const failed = await read('k8s', 'db');
      assert.equal(failed.status, 502, failed.text);
      assert.equal(reasonOf(failed), 'BackendError');
      assert.equal(api.requests.length - before, 3, 'the first attempt and 2 retries');
    } finally {
      api.fault = 'none';
    }
  });

  it('answers 503 StoreNotReady when the credentials Secret is missing', async () => {
    const result = await read('k8s-no-creds', 'db');
    assert.equal(result.status, 503);
    assert.equal(reasonOf(result), 'StoreNotReady');
  });

  it('never writes a credential or a secret value to the log', () => {
    const text = hub.logs.lines.join('\n');
    assert.ok(hub.logs.lines.length > 0);
    for (const needle of [remoteToken, 'revoked-token-value', remotePassword]) {
      assert.equal(text.includes(needle), false, 'a secret appears in the log');
    }
    const keyBody = clientKeyPem.split('\n')[1] ?? '';
    assert.equal(text.includes(keyBody), false, 'the client key appears in the log');
  });
});
