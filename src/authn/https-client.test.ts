import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { startClientCluster, type ClientClusterOptions } from '../dev/client-cluster.js';
import { FetchFailure, HttpsClient, type HttpsClientOptions } from './https-client.js';

async function setup(
  t: TestContext,
  clientOptions: HttpsClientOptions = {},
  clusterOptions: ClientClusterOptions = {},
) {
  const cluster = await startClientCluster(clusterOptions);
  const client = new HttpsClient({ timeoutMs: 2000, ...clientOptions });
  t.after(async () => {
    await client.close();
    await cluster.close();
  });
  return { cluster, client, jwksUrl: `${cluster.url}/openid/v1/jwks` };
}

async function failureOf(promise: Promise<unknown>): Promise<FetchFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchFailure, `expected a FetchFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

test('GETs JSON trusting the given CA and sends the bearer token', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t);

  const document = (await client.getJson(jwksUrl, cluster.caPem, 'the-token')) as {
    keys: unknown[];
  };
  assert.equal(document.keys.length, 1);
  assert.deepEqual(cluster.bearerTokens, ['the-token']);
  assert.deepEqual(cluster.serverNames, ['localhost']);
});

test('sends no Authorization header without a token', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t);

  const failure = await failureOf(client.getJson(jwksUrl, cluster.caPem));
  assert.equal(failure.kind, 'http-status');
  assert.equal(failure.status, 401);
});

test('fails with tls when the server certificate is not signed by the given CA', async (t) => {
  const { client, jwksUrl } = await setup(t);
  const other = await startClientCluster();
  await other.close();

  const failure = await failureOf(client.getJson(jwksUrl, other.caPem, 'token'));
  assert.equal(failure.kind, 'tls');
  assert.match(failure.code ?? '', /^[A-Z_]+$/);
});

test('refuses plain http URLs', async (t) => {
  const { cluster, client } = await setup(t);

  const failure = await failureOf(client.getJson('http://127.0.0.1:1/x', cluster.caPem, 'token'));
  assert.equal(failure.kind, 'not-https');
});

test('fails with timeout when the server answers too late', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t, { timeoutMs: 200 });
  cluster.setOutage({ slowMs: 5000 });

  const started = performance.now();
  const failure = await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'));
  assert.equal(failure.kind, 'timeout');
  assert.ok(performance.now() - started < 2000);
});

test('fails with connect when the connection is refused or reset', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t);
  cluster.setOutage('refuse');

  assert.equal((await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'))).kind, 'connect');
});

test('reports non-200 answers, bodies that are not JSON and bodies that are too large', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t, { maxBodyBytes: 64 });

  cluster.setOutage('status500');
  const status = await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'));
  assert.deepEqual([status.kind, status.status], ['http-status', 500]);
  cluster.setOutage('garbage');
  assert.equal((await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'))).kind, 'not-json');
  cluster.setOutage('none');
  assert.equal(
    (await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'))).kind,
    'too-large',
  );
});

test('keeps working for a CA whose pool was closed to respect the pool limit', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t, { maxPools: 1 });
  const second = await startClientCluster();
  t.after(() => second.close());

  for (let round = 0; round < 3; round += 1) {
    await client.getJson(jwksUrl, cluster.caPem, 'token');
    await client.getJson(`${second.url}/openid/v1/jwks`, second.caPem, 'token');
  }
  assert.equal(cluster.jwksRequests, 3);
  assert.equal(second.jwksRequests, 3);
});

test('uses fixed messages without host, port or body', async (t) => {
  const { cluster, client, jwksUrl } = await setup(t);
  cluster.setOutage('status500');

  const failure = await failureOf(client.getJson(jwksUrl, cluster.caPem, 'token'));
  assert.equal(failure.message, 'issuer request failed: http-status');
});
