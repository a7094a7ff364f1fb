import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  appToken,
  baseManifests,
  call,
  caBody,
  federationManifest,
  startTestHub,
} from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

describe('KubernetesFederation options', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({}, (a, b) => ({
      ...baseManifests(a, b),
      // Cluster A registered under the newer API group, with an audience requirement.
      'federations.yaml': `${federationManifest('cluster-a', a, {
        apiVersion: 'identity.federation.external-secrets.io/v1alpha1',
        audiences: ['https://hub.example.com'],
      })}---\n${federationManifest('cluster-b', b, { pinned: true })}`,
    }));
  });
  after(() => hub.close());

  it('accepts the identity.federation.external-secrets.io API group', async () => {
    const token = appToken(hub.clusterA, { audiences: ['https://hub.example.com'] });
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
  });

  it('rejects a token without one of the federation audiences', async () => {
    const token = appToken(hub.clusterA, { audiences: ['https://kubernetes.default.svc'] });
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 401);
    assert.equal((result.body as { reason: string }).reason, 'TokenClaimInvalid');
  });

  it('accepts any audience where the federation names none', async () => {
    const token = appToken(hub.clusterB, { audiences: ['anything'] });
    const result = await call(hub, '/secretstore/other-store/secrets/hello', { token });
    assert.equal(result.status, 200);
  });
});

describe('garbage collection of generator state', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({ stateTtlMs: 300, sweepIntervalMs: 100 });
  });
  after(() => hub.close());

  it('revokes and deletes states once their deadline passes', async () => {
    const result = await call(hub, '/generators/gen/Password/db-password', {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
    const store = await hub.openStateStore();
    try {
      const filter = {
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      };
      assert.equal((await store.find(filter)).length, 1);
      const started = Date.now();
      while ((await store.find(filter)).length > 0) {
        assert.ok(Date.now() - started < 3000, 'state still there after 3 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await store.close();
    }
  });
});
