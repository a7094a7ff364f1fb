import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifests } from './parse-manifests.js';
import { validateConfigFile } from './validate-config-file.js';

const federationYaml = (
  name: string,
  url = 'https://api.example.com',
) => `apiVersion: federation.external-secrets.io/v1alpha1
kind: KubernetesFederation
metadata:
  name: ${name}
spec:
  url: ${url}
`;

describe('parseManifests', () => {
  it('reads every document of a multi-document YAML file and skips empty ones', () => {
    const text = `---\n${federationYaml('a')}---\n# only a comment\n---\n${federationYaml('b')}---\n`;
    const parsed = parseManifests('multi.yaml', text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.objects.map((object) => object.source.documentIndex),
      [1, 3],
    );
  });

  it('reports a syntax error with line and column and keeps the other documents', () => {
    const text = `${federationYaml('a')}---\nkind: [unclosed\n---\n${federationYaml('b')}`;
    const parsed = parseManifests('broken.yaml', text);
    assert.equal(parsed.objects.length, 2);
    assert.equal(parsed.problems.length, 1);
    const [problem] = parsed.problems;
    assert.equal(problem?.file, 'broken.yaml');
    assert.equal(problem?.documentIndex, 2);
    assert.equal(typeof problem?.line, 'number');
    assert.equal(typeof problem?.column, 'number');
    assert.match(problem?.message ?? '', /^syntax error: /);
  });

  it('rejects a key that appears twice in one object', () => {
    const parsed = parseManifests('dup.yaml', 'kind: A\nkind: B\n');
    assert.deepEqual(
      parsed.problems.map((problem) => [problem.line, problem.column, problem.message]),
      [[2, 1, 'syntax error: duplicate key: each key may appear only once in an object']],
    );
  });

  it('reads a JSON file holding one object, a list, or a kind: List', () => {
    const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' } };
    const single = parseManifests('one.json', JSON.stringify(object));
    const list = parseManifests('array.json', JSON.stringify([object, object], null, 2));
    const kindList = parseManifests(
      'list.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: [object] }),
    );
    assert.equal(single.objects.length, 1);
    assert.deepEqual(
      list.objects.map((item) => item.source.path),
      [[0], [1]],
    );
    assert.deepEqual(
      kindList.objects.map((item) => item.source.path),
      [['items', 0]],
    );
    assert.deepEqual([...single.problems, ...list.problems, ...kindList.problems], []);
  });

  it('reports a List without items and unknown List fields', () => {
    const parsed = parseManifests('list.yaml', 'apiVersion: v1\nkind: List\nitem: []\n');
    assert.deepEqual(
      parsed.problems.map((problem) => `${problem.path}: ${problem.message}`),
      [
        'item: unknown field `item` of a List; expected `apiVersion`, `kind`, `items`, `metadata`',
        'items: a List needs `items`, a list of manifests',
      ],
    );
  });
});

describe('validateConfigFile', () => {
  it('points a validation problem at the line and column of the field', () => {
    const text = `${federationYaml('a')}---\n${federationYaml('b', 'http://api.example.com')}`;
    const result = validateConfigFile('f.yaml', text);
    assert.deepEqual(
      result.problems.map((problem) => [
        problem.documentIndex,
        problem.line,
        problem.column,
        problem.path,
      ]),
      [[2, 13, 8, 'spec.url']],
    );
  });

  it('points an unknown field at its key and a missing field at its parent', () => {
    const text =
      'apiVersion: federation.external-secrets.io/v1alpha1\nkind: KubernetesFederation\nmetadata:\n  name: a\nspec:\n  uri: https://x.example.com\n';
    const result = validateConfigFile('f.yaml', text);
    assert.deepEqual(
      result.problems.map((problem) => [problem.line, problem.column, problem.path]),
      [[6, 3, 'spec.uri']],
    );
    assert.equal(result.problems[0]?.message, 'unknown field `uri`; did you mean `url`?');
  });

  it('validates the items of a JSON list with their index in the path', () => {
    const items = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2' } },
    ];
    const result = validateConfigFile(
      'list.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2),
    );
    assert.equal(result.resources.length, 1);
    assert.deepEqual(
      result.problems.map((problem) => `${problem.path}: ${problem.message}`),
      ['items[1].metadata.namespace: required field is missing'],
    );
    assert.equal(typeof result.problems[0]?.line, 'number');
  });
});
