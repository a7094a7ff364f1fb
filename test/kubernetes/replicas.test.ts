import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { KubeApi } from '../../src/kubernetes/index.js';
import { KubernetesStateStore } from '../../src/state/index.js';
import { appToken, caBody, call, eventually, issuerA } from '../support/hub.js';
import { startKubeScene } from '../support/kube-hub.js';
import type { KubeReplica, KubeScene } from '../support/kube-hub.js';
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

describe('two in-process replicas on one API server', { timeout: 120_000 }, () => {
  const federation =
    '/apis/federation.external-secrets.io/v1alpha1/kubernetesfederations/cluster-a';
  let scene: KubeScene;
  const replicas: KubeReplica[] = [];

  const applied = (): number =>
    replicas.reduce(
      (sum, replica) =>
        sum +
        replica.logs.entries().filter((entry) => entry.msg === 'configuration applied').length,
      0,
    );
  const resourceVersion = async (): Promise<string> =>
    String((await scene.kube.request('GET', federation)).body.metadata?.resourceVersion);

  before(async () => {
    scene = await startKubeScene();
    for (let index = 0; index < 2; index += 1) {
      // States outlive the revocation race below by a little, so that a sweep would find one
      // left behind.
      const replica = await scene.startReplica({ stateTtlMs: 2500, sweepIntervalMs: 200 });
      replicas.push(replica);
      await eventually(async () => replica.server.readiness().length === 0, 15_000);
    }
  });
  after(async () => scene?.close());

  it('agrees on a federation status written from two key fetches, and stops writing', async () => {
    // Each replica fetches the keys of cluster-a itself, in a different second, so that each
    // has its own lastKeysFetchTime to tell.
    for (const replica of replicas) {
      const secret = await call(replica, '/secretstore/main-store/secrets/hello', {
        token: appToken(scene.clusterA),
        body: caBody(scene.clusterA),
      });
      assert.equal(secret.status, 200, secret.text);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const appliedBefore = applied();

    const versions = new Set<string>();
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      versions.add(await resourceVersion());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(versions.size <= 2, `the status was written ${versions.size - 1} times in 4 s`);
    assert.equal(applied(), appliedBefore, 'a status write re-applied the configuration');

    const status = (await scene.kube.request('GET', federation)).body.status as {
      lastKeysFetchTime?: string;
      conditions?: { type: string; status: string }[];
    };
    const keys = status.conditions?.find((condition) => condition.type === 'KeysFetched');
    assert.equal(keys?.status, 'True');
    assert.ok(Date.parse(status.lastKeysFetchTime ?? '') > Date.now() - 10_000);
  });

  it('revokes a state once when a client revokes it through both replicas at once', async () => {
    const token = appToken(scene.clusterA, { pod: { name: 'racer-0', uid: 'uid-racer-0' } });
    const issued = 3;
    for (let index = 0; index < issued; index += 1) {
      const result = await call(replicas[index % 2]!, '/generators/gen/Password/db-password', {
        token,
        body: caBody(scene.clusterA),
      });
      assert.equal(result.status, 200, result.text);
    }

    const answers = await Promise.all(
      replicas.map((replica) =>
        call(replica, '/generators/gen/Password/db-password', { method: 'DELETE', token }),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    // DELETE is idempotent: what one replica revoked, the other finds gone and does not count.
    const revoked = answers.map((answer) => (answer.body as { revoked: number }).revoked);
    assert.equal(revoked[0]! + revoked[1]!, issued, JSON.stringify(revoked));

    // Past the states' deadline, several sweeps later, no sweeper found one to revoke again.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const swept = replicas.flatMap((replica) =>
      replica.logs.entries().filter((entry) => entry.msg === 'generator state sweep done'),
    );
    assert.deepEqual(swept, []);
    const left = await scene.kube.request(
      'GET',
      `${generatorStates}?labelSelector=federation.externalsecrets.com/owner=racer-0`,
    );
    assert.deepEqual(left.body.items, []);
  });
});
