import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FederationMetrics, metricDefinitions } from '../../src/metrics/index.js';
import { packageRoot } from '../support/repo.js';

interface DocumentedMetric {
  type: string;
  labels: string[];
}

/** The rows of the metrics table: `| \`name\` | type | \`label\`, ... or none | meaning |`. */
function documentedMetrics(markdown: string): Map<string, DocumentedMetric> {
  const rows = new Map<string, DocumentedMetric>();
  for (const match of markdown.matchAll(/^\|\s*`(federation_\w+)`\s*\|\s*(\w+)\s*\|([^|]*)\|/gm)) {
    const labels = [...(match[3] ?? '').matchAll(/`(\w+)`/g)].map((label) => label[1] ?? '');
    rows.set(match[1] ?? '', { type: match[2] ?? '', labels });
  }
  return rows;
}

const doc = readFileSync(join(packageRoot(), 'docs', 'metrics.md'), 'utf8');

describe('docs/metrics.md', () => {
  it('lists every registered metric with its type and labels, and nothing else', () => {
    const documented = documentedMetrics(doc);
    const registered = new FederationMetrics().registry.getMetricsAsArray();

    for (const metric of registered) {
      assert.ok(documented.has(metric.name), `docs/metrics.md lacks ${metric.name}`);
    }
    for (const definition of Object.values(metricDefinitions)) {
      const row = documented.get(definition.name);
      assert.equal(row?.type, definition.type, `type of ${definition.name}`);
      assert.deepEqual(row?.labels, [...definition.labelNames], `labels of ${definition.name}`);
    }
    assert.deepEqual(
      [...documented.keys()].sort(),
      registered.map((metric) => metric.name).sort(),
      'the table lists no metric that does not exist',
    );
  });

  it('names the flag that turns the metrics on', () => {
    assert.match(doc, /`--metrics-listen /);
  });
});
