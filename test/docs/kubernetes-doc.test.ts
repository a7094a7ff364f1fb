import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { buildCrds } from '../../src/resources/crds/index.js';
import { repoPath } from '../support/repo.js';

const doc = readFileSync(repoPath('docs', 'kubernetes.md'), 'utf8');
// The status the server writes is described once, with Kubernetes mode.
const modeDoc = readFileSync(repoPath('docs', 'kubernetes-mode.md'), 'utf8');
const values: unknown = parse(
  readFileSync(repoPath('deploy', 'helm', 'federation-server', 'values.yaml'), 'utf8'),
);

/** The text of every inline code span of `text`. */
function codeSpans(text: string): Set<string> {
  return new Set([...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? ''));
}
const spans = codeSpans(doc);
const modeSpans = codeSpans(modeDoc);

function leafPaths(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [prefix];
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe('docs/kubernetes.md', () => {
  it('names every value of the chart, or the object that holds it', () => {
    const missing = leafPaths(values).filter((leaf) => {
      const parts = leaf.split('.');
      return !parts.some((_, i) => spans.has(parts.slice(0, i + 1).join('.')));
    });
    assert.deepEqual(missing, []);
  });

  it('names every CRD, and docs/kubernetes-mode.md every status field the CRDs define', () => {
    for (const crd of buildCrds()) {
      assert.ok(spans.has(crd.metadata.name), crd.metadata.name);
      const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
      for (const field of Object.keys(status?.properties ?? {})) {
        assert.ok(
          modeSpans.has(field) || modeSpans.has(`status.${field}`),
          `${crd.metadata.name}: ${field}`,
        );
      }
      for (const shortName of crd.spec.names.shortNames ?? []) {
        assert.ok(spans.has(shortName), `${crd.metadata.name}: ${shortName}`);
      }
    }
  });
});
