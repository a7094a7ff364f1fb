import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffDelay, isRetryable, nextRetryDelay, retryAfterMs } from './retry-policy.js';

const policy = { retries: 4, initialDelayMs: 100, maxDelayMs: 1000 };
const now = Date.parse('2030-01-01T00:00:00Z');

describe('retry decisions', () => {
  it('retries network errors, 5xx and 429, never another 4xx', () => {
    assert.ok(isRetryable({ kind: 'network' }));
    for (const status of [500, 502, 503, 504, 429])
      assert.ok(isRetryable({ kind: 'status', status }));
    for (const status of [400, 401, 403, 404, 413]) {
      assert.ok(!isRetryable({ kind: 'status', status }), String(status));
    }
  });

  it('doubles the backoff up to the maximum, jittered within its upper half', () => {
    assert.equal(
      backoffDelay(0, policy, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, policy, () => 0.999999),
      100,
    );
    assert.equal(
      backoffDelay(2, policy, () => 0),
      200,
    );
    assert.equal(
      backoffDelay(3, policy, () => 0.5),
      600,
    );
    assert.equal(
      backoffDelay(10, policy, () => 0.999999),
      1000,
    );
  });

  it('stops after the configured number of retries', () => {
    const network = { kind: 'network' } as const;
    assert.equal(
      nextRetryDelay(1, network, policy, () => 0, now),
      50,
    );
    assert.equal(
      nextRetryDelay(4, network, policy, () => 0, now),
      400,
    );
    assert.equal(
      nextRetryDelay(5, network, policy, () => 0, now),
      undefined,
    );
    assert.equal(
      nextRetryDelay(1, network, { ...policy, retries: 0 }, () => 0, now),
      undefined,
    );
    assert.equal(
      nextRetryDelay(1, { kind: 'status', status: 401 }, policy, () => 0, now),
      undefined,
    );
  });

  it('honours Retry-After in seconds or as a date, capped at the maximum delay', () => {
    const answer = (retryAfter: string) => ({ kind: 'status', status: 429, retryAfter }) as const;
    assert.equal(
      nextRetryDelay(1, answer('0'), policy, () => 0, now),
      0,
    );
    assert.equal(
      nextRetryDelay(1, answer('30'), policy, () => 0, now),
      1000,
    );
    assert.equal(retryAfterMs('2', now), 2000);
    assert.equal(retryAfterMs(new Date(now + 3000).toUTCString(), now), 3000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(
      nextRetryDelay(1, answer('soon'), policy, () => 0, now),
      50,
    );
  });
});
