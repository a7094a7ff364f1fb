import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import { repoPath } from '../support/repo.js';
import { templateActions, valuesReferences } from './helm-template-text.js';

// Rendering is checked with Helm in helm-render.test.ts. What rendering cannot tell is
// checked here on the text: Helm prints a value values.yaml lacks as nothing, without an
// error, and never notices a value no template reads.
const chart = repoPath('deploy', 'helm', 'federation-server');
const templatesDirectory = join(chart, 'templates');

function templateFiles(directory = templatesDirectory): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templateFiles(join(directory, entry.name))
      : [join(directory, entry.name)],
  );
}

const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const referenced = valuesReferences(
  templateFiles().flatMap((path) => templateActions(readFileSync(path, 'utf8'))),
);

function valueAt(path: string): unknown {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function leafPaths(node: unknown, prefix = ''): string[] {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [prefix];
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

describe('Helm chart deploy/helm/federation-server, as text', () => {
  it('reads only values that values.yaml defines', () => {
    assert.deepEqual(
      referenced.filter((path) => valueAt(path) === undefined),
      [],
    );
  });

  it('uses every value that values.yaml defines', () => {
    const unused = leafPaths(values).filter(
      (leaf) => !referenced.some((path) => leaf === path || leaf.startsWith(`${path}.`)),
    );
    assert.deepEqual(unused, []);
  });
});
