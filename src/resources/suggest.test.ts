import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, editDistance, quoteList } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('spec', 'spec'), 0);
    assert.equal(editDistance('_spec', 'spec'), 1);
    assert.equal(editDistance('spc', 'spec'), 1);
    assert.equal(editDistance('spek', 'spec'), 1);
  });

  it('counts swapping two neighbouring letters as one edit', () => {
    assert.equal(editDistance('sepc', 'spec'), 1);
  });
});

describe('closestMatch', () => {
  it('suggests the allowed key one typo away', () => {
    assert.equal(closestMatch('_spec', ['apiVersion', 'kind', 'metadata', 'spec']), 'spec');
  });

  it('suggests a key that differs only in letter case', () => {
    assert.equal(closestMatch('jwksUrl', ['url', 'jwksURL', 'issuer']), 'jwksURL');
  });

  it('suggests nothing when no allowed key is close', () => {
    assert.equal(closestMatch('replicas', ['url', 'caBundle', 'issuer']), undefined);
  });

  it('suggests nothing for very short words that are not case variants', () => {
    assert.equal(closestMatch('x', ['y', 'z']), undefined);
  });

  it('breaks ties alphabetically so that the answer is stable', () => {
    assert.equal(closestMatch('cat', ['hat', 'bat']), 'bat');
    assert.equal(closestMatch('cat', ['bat', 'hat']), 'bat');
  });
});

describe('quoteList', () => {
  it('quotes every value in backticks', () => {
    assert.equal(quoteList(['a', 'b']), '`a`, `b`');
  });
});
