import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  appToken,
  baseManifests,
  caBody,
  call,
  eventually,
  issuerA,
  issuerB,
  isKubernetesMode,
  reasonOf,
  startTestHub,
} from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { scrape, valueOf, type Sample } from '../support/metrics.js';

const secretRoute = '/secretstore/:secretStoreName/secrets/:secretName';
const generatorRoute = '/generators/:generatorNamespace/:generatorKind/:generatorName';
const metricsListen = { host: '127.0.0.1', port: 0 };

const cachedStore = `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: cached-store
  annotations:
    federation.external-secrets.io/cache-ttl: 10m
spec:
  provider:
    fake:
      data:
        - { key: cache-probe, value: cached-value-4e1d }
---
apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: cached }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${issuerA}, subject: system:serviceaccount:app:app-sa }
  allowedClusterSecretStores: [cached-store]
`;

const brokenManifest = `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: { name: broken-store }
_spec: {}
`;

/** The sum of every sample of one metric, whatever its labels. */
function total(samples: readonly Sample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((sum, s) => sum + s.value, 0);
}

describe('metrics of a running hub', () => {
  let hub: TestHub;
  let metricsUrl: string;
  let samples: Sample[];
  let afterIssue: Sample[];
  const secrets: string[] = [];

  before(async () => {
    hub = await startTestHub({ metricsListen }, (a, b) => ({
      ...baseManifests(a, b),
      'cached.yaml': cachedStore,
    }));
    metricsUrl = hub.server.metricsUrl ?? '';
    const token = appToken(hub.clusterA);
    const expired = appToken(hub.clusterA, {
      issuedAtSec: Math.floor(Date.now() / 1000) - 7200,
      lifetimeSec: 3600,
    });
    secrets.push(token, expired);
    const body = caBody(hub.clusterA);

    const read = await call(hub, '/secretstore/main-store/secrets/hello', { token, body });
    assert.equal(read.status, 200);
    const denied = await call(hub, '/secretstore/ungranted-store/secrets/hello', { token, body });
    assert.equal(reasonOf(denied), 'NotFound');
    const late = await call(hub, '/secretstore/main-store/secrets/hello', { token: expired, body });
    assert.equal(reasonOf(late), 'TokenExpired');
    const forged = await call(hub, '/secretstore/main-store/secrets/hello', { token: 'a.b.c' });
    assert.equal(reasonOf(forged), 'TokenMalformed');

    const generated = await call(hub, '/generators/gen/Password/db-password', { token, body });
    assert.equal(generated.status, 200);
    secrets.push((generated.body as { password: string }).password);
    afterIssue = await scrape(metricsUrl);
    const revoked = await call(hub, '/generators/gen/Password/db-password', {
      token,
      body,
      method: 'DELETE',
    });
    assert.deepEqual(revoked.body, { revoked: 1 });

    for (let i = 0; i < 2; i += 1) {
      const cached = await call(hub, '/secretstore/cached-store/secrets/cache-probe', {
        token,
        body,
      });
      assert.equal(cached.body, 'cached-value-4e1d');
    }

    // The request counter is updated once the answer is sent, which may be after the
    // client has read it.
    await eventually(async () => {
      samples = await scrape(metricsUrl);
      return total(samples, 'federation_http_requests_total') >= 8;
    });
  });
  after(() => hub.close());

  it('serves the metrics on their own listener and not on the API port', async () => {
    assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(metricsUrl);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(valueOf(samples, 'process_cpu_user_seconds_total') !== undefined);

    const onApi = await call(hub, '/metrics', { method: 'GET' });
    assert.equal(onApi.status, 404);
    assert.equal(reasonOf(onApi), 'RouteNotFound');
    const elsewhere = await fetch(metricsUrl.replace(/\/metrics$/, '/healthz'));
    assert.equal(elsewhere.status, 404);
  });

  it('counts requests by method, route pattern, status and reason, and times them', () => {
    const requests = (method: string, route: string, status: string, reason = '') =>
      valueOf(samples, 'federation_http_requests_total', { method, route, status, reason });

    assert.equal(requests('POST', secretRoute, '200'), 3);
    assert.equal(requests('POST', secretRoute, '404', 'NotFound'), 1);
    assert.equal(requests('POST', secretRoute, '401', 'TokenExpired'), 1);
    assert.equal(requests('POST', secretRoute, '401', 'TokenMalformed'), 1);
    assert.equal(requests('POST', generatorRoute, '200'), 1);
    assert.equal(requests('DELETE', generatorRoute, '200'), 1);
    const timed = { method: 'POST', route: secretRoute, status: '200' };
    const duration = 'federation_http_request_duration_seconds';
    assert.equal(valueOf(samples, `${duration}_count`, timed), 3);
    assert.equal(valueOf(samples, `${duration}_bucket`, { ...timed, le: '+Inf' }), 3);
    assert.ok((valueOf(samples, `${duration}_sum`, timed) ?? 0) > 0);
  });

  it('counts authentications by federation and result, and one JWKS fetch', () => {
    const authentications = (federation: string, result: string) =>
      valueOf(samples, 'federation_authentications_total', { federation, result });

    assert.equal(authentications('cluster-a', 'success'), 6);
    assert.equal(authentications('cluster-a', 'TokenExpired'), 1);
    assert.equal(authentications('', 'TokenMalformed'), 1);
    assert.equal(total(samples, 'federation_jwks_fetches_total'), 1);
    assert.equal(
      valueOf(samples, 'federation_jwks_fetches_total', {
        federation: 'cluster-a',
        result: 'success',
      }),
      1,
    );
    const age = valueOf(samples, 'federation_jwks_key_set_age_seconds', {
      federation: 'cluster-a',
    });
    assert.ok(age !== undefined && age >= 0 && age < 60, `key set age ${age}`);
  });

  it('counts backend calls per store and provider, never for a store not granted', () => {
    const calls = (store: string) =>
      valueOf(samples, 'federation_store_calls_total', {
        store,
        provider: 'fake',
        result: 'success',
      });

    assert.equal(calls('main-store'), 1);
    assert.equal(calls('cached-store'), 2);
    assert.ok(!samples.some((sample) => sample.labels.store === 'ungranted-store'));
    assert.equal(
      valueOf(samples, 'federation_store_call_duration_seconds_count', {
        store: 'main-store',
        provider: 'fake',
      }),
      1,
    );
  });

  it('counts cache hits and misses of a store with a response cache only', () => {
    const reads = (store: string, result: string) =>
      valueOf(samples, 'federation_store_cache_reads_total', { store, result });

    assert.equal(reads('cached-store', 'hit'), 1);
    assert.equal(reads('cached-store', 'miss'), 1);
    assert.equal(reads('cached-store', 'joined'), 0);
    assert.equal(reads('main-store', 'miss'), undefined);
  });

  it('counts generator calls and states issued, revoked and live', () => {
    const kind = { generator_kind: 'Password' };

    assert.equal(
      valueOf(samples, 'federation_generator_calls_total', {
        ...kind,
        operation: 'generate',
        result: 'success',
      }),
      1,
    );
    assert.equal(valueOf(samples, 'federation_generator_states_issued_total', kind), 1);
    assert.equal(
      valueOf(samples, 'federation_generator_states_revoked_total', {
        ...kind,
        trigger: 'request',
      }),
      1,
    );
    assert.equal(valueOf(afterIssue, 'federation_generator_states_live'), 1);
    assert.equal(valueOf(samples, 'federation_generator_states_live'), 0);
  });

  // Kubernetes mode has no files to reload, and its API server refuses the broken manifest.
  const reloadsOnlyInStandalone = isKubernetesMode && 'counts reloads of the config dir';
  it(
    'counts configuration reloads as applied or failed, and the broken files',
    { skip: reloadsOnlyInStandalone },
    async () => {
      const reloads = (current: Sample[], result: string) =>
        valueOf(current, 'federation_config_reloads_total', { result }) ?? 0;
      assert.equal(reloads(samples, 'applied'), 1);
      assert.equal(reloads(samples, 'failed'), 0);
      assert.equal(valueOf(samples, 'federation_config_broken_files'), 0);

      await hub.writeManifest('broken.yaml', brokenManifest);
      await eventually(async () => {
        const current = await scrape(metricsUrl);
        return (
          reloads(current, 'failed') >= 1 &&
          valueOf(current, 'federation_config_broken_files') === 1
        );
      }, 5000);

      await rm(join(hub.configDir, 'broken.yaml'));
      await eventually(async () => {
        const current = await scrape(metricsUrl);
        return (
          reloads(current, 'applied') >= 2 &&
          valueOf(current, 'federation_config_broken_files') === 0
        );
      }, 5000);
    },
  );

  it('never exposes a token, an issuer, a subject, a secret name or a value', async () => {
    const text = await (await fetch(metricsUrl)).text();

    const forbidden = [
      ...secrets,
      issuerA,
      issuerB,
      'system:serviceaccount',
      'app-sa',
      'app-0',
      'hello',
      'world',
      'cache-probe',
      'cached-value',
      'db-password',
      'broken-store',
    ];
    for (const value of forbidden) assert.ok(!text.includes(value), `exposes ${value}`);
  });
});

describe('metrics of the state sweeper', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({ metricsListen, stateTtlMs: 300, sweepIntervalMs: 100 });
  });
  after(() => hub.close());

  it('counts states revoked at expiry', async () => {
    const token = appToken(hub.clusterA);
    const generated = await call(hub, '/generators/gen/UUID/request-id', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(generated.status, 200);

    const url = hub.metricsUrl ?? '';
    await eventually(async () => {
      const samples = await scrape(url);
      return (
        valueOf(samples, 'federation_generator_states_revoked_total', {
          generator_kind: 'UUID',
          trigger: 'expiry',
        }) === 1 && valueOf(samples, 'federation_generator_states_live') === 0
      );
    }, 5000);
  });
});
