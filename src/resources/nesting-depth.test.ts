import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { flowNestingDepth } from './nesting-depth.js';
import { validateConfigFile } from './validate-config-file.js';

describe('flowNestingDepth', () => {
  it('counts brackets and braces, not those in strings or comments', () => {
    assert.equal(flowNestingDepth('a: [1, {b: [2]}]'), 3);
    assert.equal(flowNestingDepth('a: "[[[[" # {{{{\nb: \'[[\''), 0);
    assert.equal(flowNestingDepth('a: "\\"[["'), 0);
    assert.equal(flowNestingDepth(']]] [ ]'), 1);
  });
});

describe('a deeply nested file', () => {
  it('is one stable problem instead of a parser stack overflow', () => {
    const text = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const first = validateConfigFile('deep.yaml', text);
    const second = validateConfigFile('deep.yaml', text);
    assert.equal(first.problems.length, 1);
    assert.match(first.problems[0]?.message ?? '', /nested deeper than 256 levels/);
    assert.deepEqual(second.problems, first.problems);
  });
});
