import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then one request per refill, per identity', () => {
    const clock = { ms: 0 };
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, now: () => clock.ms });
    for (let i = 0; i < 3; i += 1) assert.deepEqual(limiter.take('iss', 'a'), { allowed: true });
    assert.deepEqual(limiter.take('iss', 'a'), { allowed: false, retryAfterSec: 1 });
    assert.deepEqual(limiter.take('iss', 'b'), { allowed: true }, 'another identity is apart');
    clock.ms = 500;
    assert.deepEqual(limiter.take('iss', 'a'), { allowed: true });
    assert.equal(limiter.take('iss', 'a').allowed, false);
  });

  it('keeps identities of different issuers apart', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, now: () => 0 });
    assert.ok(limiter.take('https://a', 'sub').allowed);
    assert.ok(limiter.take('https://b', 'sub').allowed);
    assert.equal(limiter.take('https://a', 'sub').allowed, false);
  });

  it('never limits when the rate is 0', () => {
    const limiter = new RateLimiter({ ratePerSecond: 0, burst: 1, now: () => 0 });
    for (let i = 0; i < 100; i += 1) assert.ok(limiter.take('iss', 'a').allowed);
  });

  it('forgets the longest idle identities beyond its bound', () => {
    const clock = { ms: 0 };
    const limiter = new RateLimiter({
      ratePerSecond: 1,
      burst: 1,
      now: () => clock.ms,
      maxIdentities: 2,
    });
    limiter.take('iss', 'a');
    limiter.take('iss', 'b');
    limiter.take('iss', 'c');
    assert.ok(limiter.take('iss', 'a').allowed, 'a was forgotten, so it starts full');
    assert.equal(limiter.take('iss', 'c').allowed, false);
  });
});
