import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { listenForScrapes, type MetricsListener } from './listener.js';
import { FederationMetrics } from './registry.js';

describe('listenForScrapes', () => {
  let listener: MetricsListener;
  let base: string;

  before(async () => {
    const metrics = new FederationMetrics();
    metrics.authenticated('cluster-a', 'success');
    listener = await listenForScrapes(metrics, { host: '127.0.0.1', port: 0 });
    base = listener.url.replace(/\/metrics$/, '');
  });
  after(() => listener.close());

  it('reports the bound port in its URL', () => {
    assert.match(listener.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*\/metrics$/);
  });

  it('serves GET /metrics in the Prometheus text format', async () => {
    const response = await fetch(`${listener.url}?ignored=1`);

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(
      await response.text(),
      /^federation_authentications_total\{federation="cluster-a",result="success"\} 1$/m,
    );
  });

  it('answers 404 to any other path or method', async () => {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/metrics/', 'GET'],
      ['/healthz', 'GET'],
      ['/metrics', 'POST'],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(await response.text(), 'not found\n');
    }
  });

  it('rejects when the address is taken', async () => {
    const port = Number(new URL(listener.url).port);
    await assert.rejects(
      listenForScrapes(new FederationMetrics(), { host: '127.0.0.1', port }),
      /EADDRINUSE/,
    );
  });
});
