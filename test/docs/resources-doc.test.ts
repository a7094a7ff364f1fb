import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { generatorDefinitions } from '../../src/generators/registry.js';
import { providerDefinitions } from '../../src/providers/registry.js';
import { resourceKinds } from '../../src/resources/index.js';
import { packageRoot } from '../support/repo.js';

const doc = readFileSync(join(packageRoot(), 'docs', 'resources.md'), 'utf8');

/** The text of every inline code span, fenced blocks left out. */
function codeSpans(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)].map((match) =>
    (match[2] ?? '').trim(),
  );
}

/** Field names the doc mentions: a code span holding a name or a dotted path of names. */
function documentedNames(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const span of codeSpans(markdown)) {
    if (!/^[\w.[\]<>-]+$/.test(span)) continue;
    for (const segment of span.split('.')) names.add(segment.replace(/\[[^\]]*\]/g, ''));
  }
  return names;
}

const subschemaLists = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const subschemaValues = ['items', 'additionalProperties', 'propertyNames', 'not'];
const subschemaMaps = ['properties', '$defs', 'definitions'];

/** Every property name declared anywhere in a JSON Schema. */
function propertyNames(schema: unknown, names = new Set<string>()): Set<string> {
  if (typeof schema !== 'object' || schema === null) return names;
  const node = schema as Record<string, unknown>;
  const properties = node.properties;
  if (typeof properties === 'object' && properties !== null) {
    for (const name of Object.keys(properties)) names.add(name);
  }
  for (const key of subschemaLists) {
    const list = node[key];
    if (Array.isArray(list)) for (const item of list) propertyNames(item, names);
  }
  for (const key of subschemaValues) propertyNames(node[key], names);
  for (const key of subschemaMaps) {
    const map = node[key];
    if (typeof map === 'object' && map !== null) {
      for (const item of Object.values(map)) propertyNames(item, names);
    }
  }
  return names;
}

function fieldsOf(schema: z.ZodType): Set<string> {
  return propertyNames(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

/** `owner: name` for every field of `schema` that the doc never names. */
function undocumented(owner: string, schemas: (z.ZodType | undefined)[]): string[] {
  const documented = documentedNames(doc);
  const fields = new Set<string>();
  for (const schema of schemas) {
    if (schema !== undefined) for (const name of fieldsOf(schema)) fields.add(name);
  }
  return [...fields].filter((name) => !documented.has(name)).map((name) => `${owner}: ${name}`);
}

describe('docs/resources.md', () => {
  it('names every field of every resource kind', () => {
    const missing = resourceKinds().flatMap((kind) =>
      undocumented(kind.kind, [kind.specSchema, kind.schema]),
    );
    assert.deepEqual(missing, []);
  });

  it('names every field of every store provider', () => {
    const missing = providerDefinitions.flatMap((definition) =>
      undocumented(`provider ${definition.key}`, [definition.schema]),
    );
    assert.deepEqual(missing, []);
    const documented = documentedNames(doc);
    const keys = providerDefinitions.map((definition) => definition.key);
    assert.deepEqual(
      keys.filter((key) => !documented.has(key)),
      [],
    );
  });

  it('names every field of every generator, and its ClusterGenerator key', () => {
    const missing = generatorDefinitions.flatMap((definition) =>
      undocumented(`generator ${definition.kind}`, [definition.schema]),
    );
    assert.deepEqual(missing, []);
    const documented = documentedNames(doc);
    const keys = generatorDefinitions.map((definition) => definition.clusterGeneratorKey);
    assert.deepEqual(
      keys.filter((key) => !documented.has(key)),
      [],
    );
  });

  it('has a section for every kind, with each of its apiVersions', () => {
    const headings = new Set(
      [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((match) => (match[1] ?? '').trim()),
    );
    const spans = new Set(codeSpans(doc));
    const missing = resourceKinds().flatMap((kind) => [
      ...(headings.has(kind.kind) ? [] : [`${kind.kind}: section`]),
      ...kind.apiVersions
        .filter((version) => !spans.has(version))
        .map((version) => `${kind.kind}: ${version}`),
    ]);
    assert.deepEqual(missing, []);
  });
});
