import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { register } from 'prom-client';

import type { SecretProvider } from '../providers/provider.js';
import { ResponseCache } from '../providers/response-cache.js';
import type { StoreEntry } from '../resources/model.js';
import type { Problem } from '../resources/problem.js';
import { metricDefinitions } from './definitions.js';
import { FederationMetrics, type MetricsSources } from './registry.js';

type Labels = Record<string, string | number>;

/** The value of one sample, found by its exact label set; `undefined` when there is none. */
async function sample(
  metrics: FederationMetrics,
  name: string,
  labels: Labels = {},
): Promise<number | undefined> {
  const family = name.replace(/_(count|sum)$/, '');
  const metric = metrics.registry.getSingleMetric(family);
  assert.ok(metric, `${family} is registered`);
  const { values } = await metric.get();
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? family) === name &&
      JSON.stringify(Object.entries(value.labels).sort()) === wanted,
  );
  return found?.value;
}

const backend: SecretProvider = { getSecret: async (ref) => `value-of-${ref.key}` };

function sources(overrides: Partial<MetricsSources> = {}): MetricsSources {
  return { keySetAges: () => [], stores: () => [], countStates: async () => 0, ...overrides };
}

describe('FederationMetrics', () => {
  it('keeps every server in a registry of its own, never the global one', async () => {
    const first = new FederationMetrics();
    const second = new FederationMetrics();

    first.authenticated('cluster-a', 'success');

    assert.equal(
      await sample(first, 'federation_authentications_total', {
        federation: 'cluster-a',
        result: 'success',
      }),
      1,
    );
    assert.equal(
      await sample(second, 'federation_authentications_total', {
        federation: 'cluster-a',
        result: 'success',
      }),
      undefined,
    );
    assert.equal(register.getSingleMetric('federation_authentications_total'), undefined);
  });

  it('registers exactly the metrics of the catalogue, with their types', () => {
    const registered = new FederationMetrics().registry.getMetricsAsArray();

    assert.deepEqual(
      registered.map((metric) => [metric.name, metric.type]).sort(),
      Object.values(metricDefinitions)
        .map((definition) => [definition.name, definition.type])
        .sort(),
    );
  });

  it('counts requests by method, route pattern, status and reason, and times them', async () => {
    const metrics = new FederationMetrics();
    const route = '/secretstore/:secretStoreName/secrets/:secretName';

    metrics.requestCompleted({ method: 'POST', route, status: 200, durationSeconds: 0.002 });
    metrics.requestCompleted({
      method: 'POST',
      route,
      status: 404,
      reason: 'NotFound',
      durationSeconds: 0.004,
    });

    const ok = { method: 'POST', route, status: '200' };
    assert.equal(await sample(metrics, 'federation_http_requests_total', { ...ok, reason: '' }), 1);
    assert.equal(
      await sample(metrics, 'federation_http_requests_total', {
        ...ok,
        status: '404',
        reason: 'NotFound',
      }),
      1,
    );
    assert.equal(await sample(metrics, 'federation_http_request_duration_seconds_count', ok), 1);
    assert.equal(await sample(metrics, 'federation_http_request_duration_seconds_sum', ok), 0.002);
  });

  it('times store and generator calls and counts them by result', async () => {
    const metrics = new FederationMetrics();

    metrics.storeCall({ name: 'main', providerKey: 'fake' })('success', 0.01);
    metrics.storeCall({ name: 'main', providerKey: 'fake' })('BackendTimeout', 10);
    metrics.generatorCall('Password', 'generate')('success', 0.001);

    const store = { store: 'main', provider: 'fake' };
    assert.equal(
      await sample(metrics, 'federation_store_calls_total', { ...store, result: 'success' }),
      1,
    );
    assert.equal(
      await sample(metrics, 'federation_store_calls_total', { ...store, result: 'BackendTimeout' }),
      1,
    );
    assert.equal(await sample(metrics, 'federation_store_call_duration_seconds_count', store), 2);
    assert.equal(
      await sample(metrics, 'federation_generator_calls_total', {
        generator_kind: 'Password',
        operation: 'generate',
        result: 'success',
      }),
      1,
    );
  });

  it('counts states issued and revoked, and reads the live count when scraped', async () => {
    const metrics = new FederationMetrics();
    let live = 3;
    metrics.attach(sources({ countStates: async () => live }));

    metrics.stateIssued('SSHKey');
    metrics.stateRevoked('SSHKey', 'request');
    metrics.stateRevoked('SSHKey', 'expiry');
    metrics.stateRevoked('SSHKey', 'expiry');

    const kind = { generator_kind: 'SSHKey' };
    assert.equal(await sample(metrics, 'federation_generator_states_issued_total', kind), 1);
    assert.equal(
      await sample(metrics, 'federation_generator_states_revoked_total', {
        ...kind,
        trigger: 'expiry',
      }),
      2,
    );
    assert.equal(await sample(metrics, 'federation_generator_states_live'), 3);
    live = 1;
    assert.equal(await sample(metrics, 'federation_generator_states_live'), 1);
  });

  it('keeps the last live count when counting fails, and still answers the scrape', async () => {
    const metrics = new FederationMetrics();
    let failing = false;
    metrics.attach(
      sources({
        countStates: async () => {
          if (failing) throw new Error('database is locked');
          return 2;
        },
      }),
    );
    assert.equal(await sample(metrics, 'federation_generator_states_live'), 2);

    failing = true;

    assert.match(await metrics.exposition(), /^federation_generator_states_live 2$/m);
  });

  it('reads key set ages and the counters of caching stores when scraped', async () => {
    const metrics = new FederationMetrics();
    const cache = new ResponseCache(backend, { ttlMs: 60_000 });
    const stores: StoreEntry[] = [
      { name: 'cached', providerKey: 'fake', provider: cache },
      { name: 'plain', providerKey: 'fake', provider: backend },
    ];
    let ages = [{ federation: 'cluster-a', ageSeconds: 12.5 }];
    metrics.attach(sources({ keySetAges: () => ages, stores: () => stores }));
    await cache.getSecret({ key: 'a' });
    await cache.getSecret({ key: 'a' });
    await cache.getSecret({ key: 'a' });

    const reads = (store: string, result: string) =>
      sample(metrics, 'federation_store_cache_reads_total', { store, result });
    assert.equal(await reads('cached', 'hit'), 2);
    assert.equal(await reads('cached', 'miss'), 1);
    assert.equal(await reads('cached', 'joined'), 0);
    assert.equal(await reads('plain', 'miss'), undefined);
    const age = { federation: 'cluster-a' };
    assert.equal(await sample(metrics, 'federation_jwks_key_set_age_seconds', age), 12.5);

    ages = [];

    assert.equal(await sample(metrics, 'federation_jwks_key_set_age_seconds', age), undefined);
  });

  it('counts configuration loads as applied or failed and reports broken files', async () => {
    const metrics = new FederationMetrics();
    const problem: Problem = { file: 'a.yaml', path: 'spec', message: 'unknown field' };

    const brokenFiles = () => sample(metrics, 'federation_config_broken_files');
    const loads = (result: string) =>
      sample(metrics, 'federation_config_reloads_total', { result });

    metrics.configLoaded({ problems: [], brokenFiles: [] });
    metrics.configLoaded({ problems: [problem], brokenFiles: ['a.yaml'] });
    assert.equal(await brokenFiles(), 1);
    metrics.configLoaded({ problems: [], brokenFiles: [], directoryError: 'EACCES' });

    assert.equal(await loads('applied'), 1);
    assert.equal(await loads('failed'), 2);
    assert.equal(await brokenFiles(), 0);
  });

  it('exports the Node.js process metrics only when asked to', async () => {
    const plain = await new FederationMetrics().exposition();
    const withProcess = await new FederationMetrics({ processMetrics: true }).exposition();

    assert.doesNotMatch(plain, /^process_cpu_user_seconds_total /m);
    assert.match(withProcess, /^process_cpu_user_seconds_total /m);
  });

  it('uses the Prometheus text format, version 0.0.4', () => {
    assert.equal(new FederationMetrics().contentType, 'text/plain; version=0.0.4; charset=utf-8');
  });
});
