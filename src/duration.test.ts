import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('refuses numbers without a unit and other text', () => {
    for (const bad of ['30', '', 's', '5 m', '1d', '-1s', '5m!']) {
      assert.throws(() => parseDuration(bad), /invalid duration/);
    }
  });
});
