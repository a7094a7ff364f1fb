import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { followJsonPath, parseJsonPath } from './json-path.js';
import { parseTemplate, renderTemplate, type TemplatePart } from './template.js';

function partsOf(text: string): TemplatePart[] {
  const parsed = parseTemplate(text);
  assert.ok('parts' in parsed, JSON.stringify(parsed));
  return parsed.parts;
}

describe('webhook templates', () => {
  it('keeps literal text and renders each action with its escaping', async () => {
    const parts = partsOf('a {{.remoteRef.key}} b {{ .creds.token }}{{ .remoteRef.version }} }} c');
    const rendered = await renderTemplate(
      parts,
      { remoteRef: { key: 'k/1' }, secret: async (name, key) => `${name}:${key}` },
      (value) => `[${value}]`,
    );
    assert.equal(rendered, 'a [k/1] b [creds:token][] }} c');
  });

  it('renders a template without actions unchanged, and an empty one as empty', async () => {
    const values = { secret: async () => '' };
    assert.equal(await renderTemplate(partsOf('{"a": 1}'), values, (v) => v), '{"a": 1}');
    assert.deepEqual(partsOf(''), []);
  });

  it('refuses anything but a two-part field action', () => {
    for (const text of [
      '{{ .remoteRef }}',
      '{{ .a.b.c }}',
      '{{ index .a "b" }}',
      '{{ .a.b',
      '{{}}',
    ]) {
      assert.ok('error' in parseTemplate(text), text);
    }
  });
});

describe('webhook jsonPath', () => {
  const answer = { data: { 'the-key': ['x', { y: 1 }] }, "o'k": true };

  it('follows names, quoted names and indexes', () => {
    const path = parseJsonPath(`$.data["the-key"][1]['y']`);
    assert.ok(Array.isArray(path));
    assert.deepEqual(followJsonPath(answer, path), { found: true, value: 1 });
    assert.deepEqual(followJsonPath(answer, []), { found: true, value: answer });
  });

  it('finds nothing past the end of an array or through a non-object', () => {
    const path = parseJsonPath('$.data.the-key[2]');
    assert.ok(Array.isArray(path));
    assert.deepEqual(followJsonPath(answer, path), { found: false });
    const through = parseJsonPath('$.data.the-key.length');
    assert.ok(Array.isArray(through));
    assert.deepEqual(followJsonPath(answer, through), { found: false });
  });

  it('refuses paths that could select several values or are not JSONPath', () => {
    for (const text of ['data', '$..a', '$.a[*]', '$[0:2]', '$[?(@.a)]', '$.', "$['a]"]) {
      assert.ok('error' in (parseJsonPath(text) as object), text);
    }
  });
});
