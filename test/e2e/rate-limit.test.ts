import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { appToken, caBody, call, reasonOf, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

describe('the per-identity rate limit', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({ rateLimit: { ratePerSecond: 0.5, burst: 3 } });
  });
  after(() => hub.close());

  it('answers 429 RateLimited with Retry-After once an identity spends its burst', async () => {
    const token = appToken(hub.clusterA);
    const path = '/secretstore/main-store/secrets/hello';
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await call(hub, path, { token, body: caBody(hub.clusterA) })).status, 200);
    }
    const limited = await call(hub, path, { token, body: caBody(hub.clusterA) });
    assert.equal(limited.status, 429);
    assert.equal(reasonOf(limited), 'RateLimited');
    assert.equal(limited.headers.get('retry-after'), '2');
  });

  it('counts every pod of a service account as one identity, and other identities apart', async () => {
    const otherPod = appToken(hub.clusterA, { pod: { name: 'app-9', uid: 'other-pod-uid' } });
    const samePodSa = await call(hub, '/secretstore/main-store/secrets/hello', {
      token: otherPod,
      body: caBody(hub.clusterA),
    });
    assert.equal(samePodSa.status, 429);
    const otherIdentity = await call(hub, '/secretstore/other-store/secrets/hello', {
      token: appToken(hub.clusterB),
    });
    assert.equal(otherIdentity.status, 200);
  });
});
