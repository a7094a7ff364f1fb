import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { KubeApi } from '../../src/kubernetes/index.js';
import { KubernetesStateStore } from '../../src/state/index.js';
import { appToken, caBody, call, eventually, issuerA } from '../support/hub.js';
import { startKubeScene } from '../support/kube-hub.js';
import type { KubeReplica, KubeScene } from '../support/kube-hub.js';

const generatorStates = '/apis/generators.external-secrets.io/v1alpha1/generatorstates';

/** How many states a replica's sweeper removed, from its `generator state sweep done` lines. */
function sweptBy(replica: KubeReplica): number {
  return replica.logs
    .entries()
    .filter((entry) => entry.msg === 'generator state sweep done')
    .reduce((sum, entry) => sum + Number(entry.removed ?? 0), 0);
}

describe('two replicas on one API server', { timeout: 120_000 }, () => {
  let scene: KubeScene;
  let first: KubeReplica;
  let second: KubeReplica;

  before(async () => {
    scene = await startKubeScene();
    // Short-lived states and frequent sweeps, so both sweepers race for the same states.
    const overrides = { stateTtlMs: 1500, sweepIntervalMs: 200 };
    first = await scene.startReplica(overrides);
    second = await scene.startReplica(overrides);
    for (const replica of [first, second]) {
      await eventually(
        async () => (await call(replica, '/readyz', { method: 'GET' })).status === 200,
        10_000,
      );
    }
  });
  after(async () => scene?.close());

  it('both serve secrets and generators from their own view', async () => {
    for (const replica of [first, second]) {
      const secret = await call(replica, '/secretstore/main-store/secrets/hello', {
        token: appToken(scene.clusterA),
        body: caBody(scene.clusterA),
      });
      assert.equal(secret.status, 200, secret.text);
    }
  });

  it('revokes each expired state exactly once between them', async () => {
    const issued = 12;
    for (let index = 0; index < issued; index += 1) {
      const replica = index % 2 === 0 ? first : second;
      const result = await call(replica, '/generators/gen/Password/db-password', {
        token: appToken(scene.clusterA, { pod: { name: `worker-${index}`, uid: `uid-${index}` } }),
        body: caBody(scene.clusterA),
      });
      assert.equal(result.status, 200, result.text);
    }

    await eventually(async () => {
      const list = await scene.kube.request('GET', generatorStates);
      return (list.body.items ?? []).length === 0;
    }, 20_000);
    // A sweep logs once it has ended, which may be after its last removal; then a few more
    // sweeps run, which must find nothing left to revoke.
    await eventually(async () => sweptBy(first) + sweptBy(second) >= issued, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(sweptBy(first) + sweptBy(second), issued);
  });

  it('grants each claim to one of two replicas racing for it', async () => {
    const api = KubeApi.connect({ kubeconfig: scene.kube.kubeconfigPath });
    const stores = ['replica-a', 'replica-b'].map(
      (holder) => new KubernetesStateStore(api, { holder }),
    );
    try {
      const ids: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        ids.push(
          await stores[0]!.reserve({
            generator: { namespace: 'gen', kind: 'Password', name: 'db-password' },
            generatorSpec: {},
            owner: {
              federation: 'cluster-a',
              issuer: issuerA,
              subject: 'system:serviceaccount:a:b',
            },
            garbageCollectionDeadline: new Date(Date.now() + 3_600_000),
          }),
        );
      }
      const wins = await Promise.all(
        ids.map(async (id) => {
          const claims = await Promise.all(stores.map((store) => store.claim(id, 60_000)));
          return claims.filter(Boolean).length;
        }),
      );
      assert.deepEqual(
        wins,
        ids.map(() => 1),
      );
      for (const id of ids) await stores[0]!.remove(id);
    } finally {
      await api.close();
    }
  });
});
