import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { KubeApi } from '../../src/kubernetes/index.js';
import { KubernetesStateStore } from '../../src/state/index.js';
import { appToken, caBody, call, eventually, issuerA } from '../support/hub.js';
import { startKubeScene } from '../support/kube-hub.js';
import type { KubeScene } from '../support/kube-hub.js';
import { CliProcess } from '../support/process.js';

const generatorStates = '/apis/generators.external-secrets.io/v1alpha1/generatorstates';

/** One `federation-server serve --kubeconfig` process and the URL it listens on. */
interface Replica {
  process: CliProcess;
  url: string;
}

/** How many states a replica's sweeper removed, from its `generator state sweep done` lines. */
function sweptBy(replica: Replica): number {
  return replica.process.stdout
    .split('\n')
    .filter((line) => line.includes('"generator state sweep done"'))
    .reduce(
      (sum, line) => sum + Number((JSON.parse(line) as { removed?: number }).removed ?? 0),
      0,
    );
}

describe('two server processes on one API server', { timeout: 120_000 }, () => {
  let scene: KubeScene;
  const replicas: Replica[] = [];

  const startReplica = async (): Promise<Replica> => {
    // Short-lived states and frequent sweeps, so both sweepers race for the same states.
    const process = new CliProcess([
      'serve',
      ...['--kubeconfig', scene.kube.kubeconfigPath, '--listen', '127.0.0.1:0'],
      ...['--namespace', 'federation-system', '--audit-log', 'off', '--log-level', 'debug'],
      ...['--state-ttl', '1500ms', '--sweep-interval', '200ms'],
    ]);
    const [, url = ''] = await process.waitFor(
      /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"server listening"/,
    );
    const replica = { process, url };
    replicas.push(replica);
    await eventually(
      async () => (await call(replica, '/readyz', { method: 'GET' })).status === 200,
      15_000,
    );
    return replica;
  };

  before(async () => {
    scene = await startKubeScene();
    await startReplica();
    await startReplica();
  });
  after(async () => {
    for (const replica of replicas) await replica.process.stop();
    await scene?.close();
  });

  it('both serve secrets and generators from their own view', async () => {
    for (const replica of replicas) {
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
      const replica = replicas[index % 2]!;
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
    const swept = () => replicas.reduce((sum, replica) => sum + sweptBy(replica), 0);
    // A sweep logs once it has ended, which may be after its last removal; then a few more
    // sweeps run, which must find nothing left to revoke.
    await eventually(async () => swept() >= issued, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(swept(), issued);
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
