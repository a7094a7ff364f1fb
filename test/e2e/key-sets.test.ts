import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { appToken, call, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

const secretPath = '/secretstore/main-store/secrets/hello';

describe('signing keys of client clusters', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it('serves the very first request with a new ca.crt, fetching discovery and keys once', async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    const first = await call(hub, secretPath, { token, body: caBody(hub.clusterA) });
    assert.equal(first.status, 200);
    for (let i = 0; i < 20; i += 1) {
      const again = await call(hub, secretPath, { token, body: caBody(hub.clusterA) });
      assert.equal(again.status, 200);
    }
    assert.equal(hub.clusterA.discoveryRequests, 1);
    assert.equal(hub.clusterA.jwksRequests, 1);
  });

  it('collapses concurrent first requests into one fetch', async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(hub!, secretPath, { token, body: caBody(hub!.clusterA) }),
      ),
    );
    assert.ok(results.every((result) => result.status === 200));
    assert.equal(hub.clusterA.jwksRequests, 1);
  });

  it('sends the caller token as bearer, reaches the API server URL and never the in-cluster jwks_uri host', async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    await call(hub, secretPath, { token, body: caBody(hub.clusterA) });
    assert.deepEqual(hub.clusterA.bearerTokens, [token, token]);
    assert.deepEqual([...new Set(hub.clusterA.serverNames)], ['localhost']);
  });

  it('fails closed with a wrong ca.crt and keeps no key set from it', async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    const wrong = await call(hub, secretPath, { token, body: caBody(hub.clusterB) });
    assert.equal(wrong.status, 401);
    assert.equal((wrong.body as { reason: string }).reason, 'IssuerUnreachable');
    const right = await call(hub, secretPath, { token, body: caBody(hub.clusterA) });
    assert.equal(right.status, 200);
  });

  it('accepts a rotated key at once and refreshes at most once per cooldown for unknown kids', async () => {
    hub = await startTestHub();
    const before = await call(hub, secretPath, {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(before.status, 200);
    await hub.clusterA.rotateKey();
    const rotated = await call(hub, secretPath, {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(rotated.status, 200);
    assert.equal(hub.clusterA.jwksRequests, 2);

    for (let i = 0; i < 30; i += 1) {
      const token = appToken(hub.clusterA, { header: { kid: `random-kid-${i}` } });
      const result = await call(hub, secretPath, { token, body: caBody(hub.clusterA) });
      assert.equal(result.status, 401);
    }
    assert.ok(hub.clusterA.jwksRequests <= 3, `JWKS fetched ${hub.clusterA.jwksRequests} times`);
  });

  it('keeps verifying with cached keys while the issuer is down', async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    assert.equal((await call(hub, secretPath, { token, body: caBody(hub.clusterA) })).status, 200);
    hub.clusterA.setOutage('refuse');
    const during = await call(hub, secretPath, {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(during.status, 200);
  });

  it('fails closed for an issuer that is down before its keys were ever fetched', async () => {
    hub = await startTestHub();
    for (const outage of ['refuse', 'status500', 'garbage', 'emptyKeys'] as const) {
      hub.clusterA.setOutage(outage);
      const result = await call(hub, secretPath, {
        token: appToken(hub.clusterA),
        body: caBody(hub.clusterA),
      });
      assert.equal(result.status, 401, outage);
    }
  });
});
