import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';

import { runSettings } from './fuzz-run.js';
import { validateChecked } from './manifest-checks.js';

/** Pieces of YAML syntax, so that random text often gets past the first character. */
const yamlTokens = [
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '%TAG ! tag:x,2000:\n',
  'apiVersion: ',
  'kind: ',
  'metadata:\n',
  '  name: ',
  'spec:\n',
  '- ',
  ': ',
  '? ',
  '{',
  '}',
  '[',
  ']',
  ', ',
  '"',
  "'",
  '|\n',
  '>-\n',
  '# c\n',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '<<: *a\n',
  '<<: [*a, *b]\n',
  '!!binary ',
  '!!str ',
  '!!map ',
  '!custom ',
  '!!js/function ',
  '\t',
  '\n',
  '  ',
  '\r\n',
  '\ufeff',
  '~',
  'null',
  '0x1F',
  '.inf',
  '1e400',
  'yes',
];

const tokenText = fc
  .array(fc.oneof(fc.constantFrom(...yamlTokens), fc.string({ maxLength: 6 })), { maxLength: 40 })
  .map((parts) => parts.join(''));

const binaryText = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

/** One line of up to about a megabyte, as a key, a value, a comment or a flow item. */
const hugeLine = fc
  .record({
    length: fc.integer({ min: 10_000, max: 1_000_000 }),
    shape: fc.constantFrom(
      'key: ',
      '',
      '# ',
      '- ',
      '[',
      '"',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: ',
    ),
  })
  .map(({ length, shape }) => `${shape}${'x'.repeat(length)}\n`);

/** A small billion-laughs: each level refers `width` times to the level below. */
const aliasBomb = fc
  .record({
    levels: fc.integer({ min: 1, max: 12 }),
    width: fc.integer({ min: 2, max: 12 }),
    asMerge: fc.boolean(),
    asFlow: fc.boolean(),
  })
  .map(({ levels, width, asMerge, asFlow }) => {
    const lines = [
      'kind: Secret',
      'apiVersion: v1',
      `l0: &l0 ${asMerge ? '{k: lol}' : '[lol, lol]'}`,
    ];
    for (let level = 1; level <= levels; level += 1) {
      const refs = Array.from({ length: width }, () => `*l${level - 1}`);
      const value = asMerge
        ? `{<<: [${refs.join(', ')}], k${level}: x}`
        : asFlow
          ? `[${refs.join(', ')}]`
          : `\n${refs.map((ref) => `  - ${ref}`).join('\n')}`;
      lines.push(`l${level}: &l${level} ${value}`);
    }
    return { text: `${lines.join('\n')}\n`, expandedNodes: width ** levels };
  });

/** Collections nested `min` to `max` levels deep, closed or left open. */
function nesting(min: number, max: number) {
  return fc
    .record({
      depth: fc.integer({ min, max }),
      open: fc.constantFrom('[', '{a: ', '- ', '{"a":'),
      isClosed: fc.boolean(),
    })
    .map(({ depth, open, isClosed }) => {
      if (open === '- ') {
        return Array.from(
          { length: Math.min(depth, 2_000) },
          (_, i) => `${' '.repeat(i * 2)}- x`,
        ).join('\n');
      }
      const close = open === '[' ? ']' : '}';
      return `${open.repeat(depth)}1${isClosed ? close.repeat(depth) : ''}`;
    });
}

/** True when no document of `text` holds a manifest: empty, `null`, `[]` or an empty List. */
function holdsNoManifest(text: string): boolean {
  return parseAllDocuments(text).every((document) => {
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return true;
    if (Array.isArray(value)) return value.length === 0;
    const record = value as { kind?: unknown; items?: unknown };
    return record.kind === 'List' && Array.isArray(record.items) && record.items.length === 0;
  });
}

function checkText(text: string): void {
  const result = validateChecked('random.yaml', text);
  if (result.problems.length === 0 && result.resources.length === 0) {
    assert.ok(holdsNoManifest(text), 'a text with content produced no problem and no resource');
  }
}

describe('fuzzing raw manifest text through the loader', () => {
  it('reports YAML-ish token soup with problems, never throwing', () => {
    fc.assert(fc.property(tokenText, checkText), runSettings(0x5eed_0501, 600));
  });

  it('reports binary-ish and unicode text with problems, never throwing', () => {
    fc.assert(fc.property(binaryText, checkText), runSettings(0x5eed_0502, 300));
  });

  it('reports huge lines within the time bound', () => {
    fc.assert(fc.property(hugeLine, checkText), runSettings(0x5eed_0503, 20));
  });

  it('refuses alias bombs with a problem within the time bound', () => {
    fc.assert(
      fc.property(aliasBomb, ({ text, expandedNodes }) => {
        const result = validateChecked('bomb.yaml', text);
        assert.equal(result.resources.length, 0);
        assert.ok(result.problems.length > 0);
        if (expandedNodes > 100_000) {
          const messages = result.problems.map((problem) => problem.message);
          assert.ok(
            messages.some((message) => /alias/i.test(message)),
            messages.join('\n'),
          );
        }
      }),
      runSettings(0x5eed_0504, 60),
    );
  });

  it('reports nested collections (up to 400 levels) within the time bound, never throwing', () => {
    fc.assert(fc.property(nesting(1, 400), checkText), runSettings(0x5eed_0505, 60));
  });

  it('reports deeply nested collections (800 to 20000 levels) the same way each time, never crashing', () => {
    fc.assert(fc.property(nesting(800, 20_000), checkText), runSettings(0x5eed_0506, 20));
  });
});
