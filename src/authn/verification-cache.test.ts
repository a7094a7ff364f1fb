import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { pino } from 'pino';

import { startClientCluster } from '../dev/client-cluster.js';
import type { Federation } from '../resources/model.js';
import { Authenticator } from './authenticator.js';
import type { Identity } from './identity.js';
import type { KeySnapshot } from './remote-key-set.js';
import { VerificationCache } from './verification-cache.js';

const snapshot: KeySnapshot = { keys: [], issuer: 'https://issuer', fetchedAt: 0 };
const federation: Federation = { name: 'f', url: 'https://f' };

function identity(expiresAt: number): Identity {
  return { federation: 'f', issuer: 'https://issuer', subject: 's', expiresAt };
}

test('keeps a verification until the earlier of the TTL and exp', () => {
  const cache = new VerificationCache({ ttlMs: 10_000 });
  cache.set('long', { identity: identity(1_000), federation, snapshot }, 0);
  cache.set('short', { identity: identity(3), federation, snapshot }, 0);
  assert.ok(cache.get('long', 9_999));
  assert.equal(cache.get('long', 10_000), undefined);
  assert.ok(cache.get('short', 2_999));
  assert.equal(cache.get('short', 3_000), undefined);
});

test('drops the oldest entries beyond its size bound and stores nothing with TTL 0', () => {
  const cache = new VerificationCache({ ttlMs: 1000, maxEntries: 2 });
  for (const key of ['a', 'b', 'c'])
    cache.set(key, { identity: identity(100), federation, snapshot }, 0);
  assert.equal(cache.size, 2);
  assert.equal(cache.get('a', 1), undefined);
  const off = new VerificationCache({ ttlMs: 0 });
  off.set('a', { identity: identity(100), federation, snapshot }, 0);
  assert.equal(off.size, 0);
});

test('keys differ for tokens that differ in one byte', () => {
  assert.notEqual(VerificationCache.keyOf('a.b.c'), VerificationCache.keyOf('a.b.d'));
});

async function setup(t: TestContext) {
  const clock = { ms: Date.UTC(2030, 0, 1, 12) };
  const now = () => clock.ms;
  const cluster = await startClientCluster({ now });
  const authenticator = new Authenticator({ logger: pino({ level: 'silent' }), now });
  t.after(async () => {
    await authenticator.close();
    await cluster.close();
  });
  return { clock, cluster, authenticator };
}

test('never reuses a verification past the token exp', async (t) => {
  const { clock, cluster, authenticator } = await setup(t);
  const candidates: Federation[] = [{ name: 'a', url: cluster.url }];
  const token = cluster.mintToken({ lifetimeSec: 10 });
  await authenticator.authenticate(token, { caCert: cluster.caPem }, candidates);
  clock.ms += 45_000;
  await assert.rejects(authenticator.authenticate(token, { caCert: cluster.caPem }, candidates), {
    reason: 'TokenExpired',
  });
});

test('ends reuse when the federation changes, e.g. when it starts requiring an audience', async (t) => {
  const { cluster, authenticator } = await setup(t);
  const before: Federation = { name: 'a', url: cluster.url, caBundle: cluster.caPem };
  const token = cluster.mintToken({ audiences: ['https://kubernetes.default.svc'] });
  await authenticator.authenticate(token, {}, [before]);
  const after: Federation = { ...before, audiences: ['https://hub.example.com'] };
  authenticator.retain(new Map([['a', after]]));
  await assert.rejects(authenticator.authenticate(token, {}, [after]), {
    reason: 'TokenClaimInvalid',
  });
});

test('ends reuse when the federation is no longer a candidate', async (t) => {
  const { cluster, authenticator } = await setup(t);
  const federationA: Federation = { name: 'a', url: cluster.url, caBundle: cluster.caPem };
  const token = cluster.mintToken();
  const first = await authenticator.authenticate(token, {}, [federationA]);
  assert.equal(first.federation, 'a');
  const federationB: Federation = { ...federationA, name: 'b' };
  const second = await authenticator.authenticate(token, {}, [federationB]);
  assert.equal(second.federation, 'b');
});
