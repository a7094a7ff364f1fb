import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { readinessConditions } from '../../src/server/routes/health.js';
import {
  appToken,
  baseManifests,
  caBody,
  call,
  eventually,
  issuerA,
  startTestHub,
} from '../support/hub.js';
import type { CallResult, TestHub } from '../support/hub.js';
import { scrape, valueOf } from '../support/metrics.js';

/** The grant of `app/app-sa` of cluster A, narrowed to one store. */
function narrowedGrant(store: string): string {
  return `apiVersion: federation.external-secrets.io/v1alpha1
kind: Authorization
metadata: { name: app-a }
spec:
  federationRef: { kind: KubernetesFederation, name: cluster-a }
  subject: { issuer: ${issuerA}, subject: system:serviceaccount:app:app-sa }
  allowedClusterSecretStores: [${store}]
`;
}

describe('config dir removed', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub({ metricsListen: { host: '127.0.0.1', port: 0 } });
  });
  after(() => hub.close());

  const readSecret = (store = 'main-store'): Promise<CallResult> =>
    call(hub, `/secretstore/${store}/secrets/hello`, {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
  const readiness = (): Promise<CallResult> => call(hub, '/readyz', { method: 'GET' });
  const failedReloads = async (): Promise<number> =>
    valueOf(await scrape(hub.metricsUrl ?? ''), 'federation_config_reloads_total', {
      result: 'failed',
    }) ?? 0;

  it('is ready and serves the grant before the fault', async () => {
    assert.equal((await readiness()).status, 200);
    assert.equal((await readSecret()).status, 200);
  });

  it('reports within 2 s that the directory is unreadable, naming no path or content', async () => {
    const failedBefore = await failedReloads();
    // Synchronous, as `rm -rf` is: no scan sees the files gone but the directory still there.
    rmSync(hub.configDir, { recursive: true, force: true });

    await eventually(async () => (await readiness()).status === 503, 2000);
    const ready = await readiness();
    assert.deepEqual(ready.body, {
      status: 'not ready',
      waitingFor: [readinessConditions.configDirectory],
    });
    for (const word of [dirname(hub.configDir), '.yaml', 'main-store', 'cluster-a']) {
      assert.ok(!ready.text.includes(word), `readyz reveals ${word}`);
    }
    assert.ok((await failedReloads()) > failedBefore, 'the reload failure is counted');
  });

  it('keeps serving grants, stores and generators of the last good configuration', async () => {
    // Several polls of the missing directory later, nothing was forgotten.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const secret = await readSecret();
    assert.equal(secret.status, 200, secret.text);
    assert.equal(secret.body, 'world');
    const generated = await call(hub, '/generators/gen/UUID/request-id', {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
    });
    assert.equal(generated.status, 200, generated.text);
    assert.equal((await readiness()).status, 503);
  });

  it('is ready again within 2 s once the directory is back, and applies edits again', async () => {
    // Put back whole, as a deployment tool swaps a directory in, so no scan sees it empty.
    const staging = join(dirname(hub.configDir), 'config.staging');
    await mkdir(staging);
    for (const [file, text] of Object.entries(baseManifests(hub.clusterA, hub.clusterB))) {
      await writeFile(join(staging, file), text);
    }
    await rename(staging, hub.configDir);
    await eventually(async () => (await readiness()).status === 200, 2000);
    assert.deepEqual((await readiness()).body, { status: 'ready' });
    assert.equal((await readSecret()).status, 200);

    await hub.writeManifest('authorizations.yaml', narrowedGrant('other-store'));
    await eventually(async () => (await readSecret('main-store')).status === 404, 2000);
    assert.equal((await readSecret('other-store')).status, 200);
  });
});
