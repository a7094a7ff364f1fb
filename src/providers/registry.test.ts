import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { findProvider, providerDefinitions } from './registry.js';

describe('provider registry', () => {
  it('always has the fake provider', () => {
    assert.equal(findProvider('fake')?.key, 'fake');
  });

  it('registers each key once', () => {
    const keys = providerDefinitions.map((definition) => definition.key);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('finds nothing for an unknown key', () => {
    assert.equal(findProvider('vaultt'), undefined);
  });
});
