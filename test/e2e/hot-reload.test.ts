import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { appToken, call, caBody, eventually, issuerA, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

function grant(name: string, stores: string[]): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata:
  name: ${name}
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject:
    issuer: ${issuerA}
    subject: system:serviceaccount:reload:reader
  allowedClusterSecretStores: [${stores.join(', ')}]
`;
}

describe('hot reload of the config dir', () => {
  let hub: TestHub;
  let token: string;

  before(async () => {
    hub = await startTestHub();
    token = appToken(hub.clusterA, { namespace: 'reload', serviceAccount: 'reader' });
  });
  after(() => hub.close());

  const status = async (store: string) =>
    (await call(hub, `/secretstore/${store}/secrets/hello`, { token, body: caBody(hub.clusterA) }))
      .status;

  it('applies an added Authorization within 2 s', async () => {
    assert.equal(await status('main-store'), 404);
    await hub.writeManifest('reload.yaml', grant('reload', ['main-store']));
    await eventually(async () => (await status('main-store')) === 200);
  });

  it('applies a narrowed Authorization within 2 s: the old grant stops at once', async () => {
    await hub.writeManifest('reload.yaml', grant('reload', ['other-store']));
    await eventually(async () => (await status('main-store')) === 404);
    assert.equal(await status('other-store'), 200);
  });

  it('keeps the last good content of a broken file and applies the fix', async () => {
    await hub.writeManifest('reload.yaml', `${grant('reload', ['main-store'])}  _extra: true\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await status('other-store'), 200, 'last good content stays in effect');
    assert.equal(await status('main-store'), 404);
    const ready = await call(hub, '/readyz', { method: 'GET' });
    assert.equal(ready.status, 200);
    await hub.writeManifest('reload.yaml', grant('reload', ['main-store']));
    await eventually(async () => (await status('main-store')) === 200);
  });

  it('revokes every grant of a deleted file within 2 s', async () => {
    await rm(join(hub.configDir, 'reload.yaml'));
    await eventually(async () => (await status('main-store')) === 404);
  });

  it('stops trusting a deleted federation within 2 s', async () => {
    const appTokenA = appToken(hub.clusterA);
    const path = '/secretstore/main-store/secrets/hello';
    assert.equal(
      (await call(hub, path, { token: appTokenA, body: caBody(hub.clusterA) })).status,
      200,
    );
    await hub.writeManifest(
      'federations.yaml',
      (await import('../support/hub.js')).federationManifest('cluster-b', hub.clusterB, {
        pinned: true,
      }),
    );
    await eventually(
      async () =>
        (await call(hub, path, { token: appTokenA, body: caBody(hub.clusterA) })).status === 401,
    );
  });
});
