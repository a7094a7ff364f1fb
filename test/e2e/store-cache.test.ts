import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { validateConfigFile } from '../../src/resources/index.js';
import { appToken, baseManifests, caBody, call, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

const cachedStore = `apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: cached-store
  annotations:
    federation.external-secrets.io/cache-ttl: 10m
spec:
  provider:
    fake:
      data:
        - { key: shared, value: '{"a":"1","b":"2"}' }
`;

describe('a store with response caching', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({}, (a, b) => ({
      ...baseManifests(a, b),
      'cached.yaml': cachedStore,
      'cached-grant.yaml': `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: cached }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${a.issuer}, subject: system:serviceaccount:app:app-sa }
  allowedClusterSecretStores: [cached-store]
`,
    }));
  });
  after(() => hub.close());

  it('serves cached reads per property and still authorizes every caller first', async () => {
    const token = appToken(hub.clusterA);
    const body = (property?: string) =>
      caBody(hub.clusterA, property ? { remoteRef: { property } } : {});
    const path = '/secretstore/cached-store/secrets/shared';
    for (let i = 0; i < 3; i += 1) {
      assert.equal((await call(hub, path, { token, body: body('a') })).body, '1');
      assert.equal((await call(hub, path, { token, body: body('b') })).body, '2');
    }
    const stranger = appToken(hub.clusterA, { serviceAccount: 'stranger' });
    const denied = await call(hub, path, { token: stranger, body: body('a') });
    assert.equal(denied.status, 404);
  });

  it('rejects a cache annotation that is not a duration', () => {
    const result = validateConfigFile(
      'bad.yaml',
      cachedStore.replace('cache-ttl: 10m', 'cache-ttl: forever'),
    );
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0]?.message ?? '', /must be a duration/);
  });
});
