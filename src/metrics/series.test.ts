import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry } from 'prom-client';

import { FastCounter, FastHistogram } from './series.js';

const counterDefinition = { name: 'test_calls_total', help: 'Calls.', labelNames: ['kind'] };
const histogramDefinition = {
  name: 'test_seconds',
  help: 'Durations.',
  labelNames: ['kind'],
  buckets: [0.5, 0.1, 1],
};

describe('FastCounter and FastHistogram', () => {
  it('count per label set and keep only the defined labels', async () => {
    const registry = new Registry();
    const counter = new FastCounter(counterDefinition, registry);
    counter.inc({ kind: 'a' });
    counter.inc({ kind: 'a', extra: 'ignored' }, 2);
    counter.inc({ kind: 'b' });
    assert.deepEqual((await counter.get()).values, [
      { labels: { kind: 'a' }, value: 3 },
      { labels: { kind: 'b' }, value: 1 },
    ]);
    const text = await registry.metrics();
    assert.match(text, /^# TYPE test_calls_total counter$/m);
    assert.match(text, /^test_calls_total\{kind="a"\} 3$/m);
  });

  it('fill cumulative buckets in bound order, with +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = new FastHistogram(histogramDefinition, registry);
    for (const value of [0.05, 0.1, 0.3, 2, Number.NaN]) histogram.observe({ kind: 'a' }, value);
    const text = await registry.metrics();
    assert.match(text, /^# TYPE test_seconds histogram$/m);
    for (const [le, count] of [
      ['0.1', 2],
      ['0.5', 3],
      ['1', 3],
      ['\\+Inf', 4],
    ] as const) {
      assert.match(
        text,
        new RegExp(`^test_seconds_bucket\\{kind="a",le="${le}"\\} ${count}$`, 'm'),
      );
    }
    assert.match(text, /^test_seconds_sum\{kind="a"\} 2\.45$/m);
    assert.match(text, /^test_seconds_count\{kind="a"\} 4$/m);
  });

  it('start again from nothing when the registry resets them', async () => {
    const registry = new Registry();
    const counter = new FastCounter(counterDefinition, registry);
    counter.inc({ kind: 'a' });
    registry.resetMetrics();
    assert.deepEqual((await counter.get()).values, []);
  });
});
