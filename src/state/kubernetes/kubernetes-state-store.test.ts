import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startKubeApiServer } from '../../../test/support/kube-api-server.js';
import type { KubeApiServer, KubeObject } from '../../../test/support/kube-api-server.js';
import { KubeApi } from '../../kubernetes/index.js';
import type { KubeRequest } from '../../kubernetes/index.js';
import { describeStateStoreContract } from '../state-store.contract.test.js';
import { KubernetesStateStore } from './kubernetes-state-store.js';

const collection = '/apis/generators.external-secrets.io/v1alpha1/generatorstates';

let kube: KubeApiServer;
let api: KubeApi;

before(async () => {
  kube = await startKubeApiServer();
  await kube.installCrds();
  api = KubeApi.connect({ kubeconfig: kube.kubeconfigPath });
});

after(async () => {
  await api?.close();
  await kube?.stop();
});

/** Deletes every GeneratorState, so that each contract test starts from an empty store. */
async function deleteAll(): Promise<void> {
  const list = await kube.request('GET', collection);
  for (const item of list.body.items ?? []) {
    const { name, namespace } = item.metadata as { name: string; namespace: string };
    const path = `/apis/generators.external-secrets.io/v1alpha1/namespaces/${namespace}/generatorstates/${name}`;
    await kube.request('DELETE', path);
  }
  const left = await kube.request('GET', collection);
  if ((left.body.items as KubeObject[] | undefined)?.length) throw new Error('states left over');
}

describeStateStoreContract('KubernetesStateStore', async (now) => {
  await deleteAll();
  const options = { fallbackNamespace: 'federation-system', now };
  return {
    store: new KubernetesStateStore(api, { ...options, holder: 'replica-a' }),
    otherHolder: new KubernetesStateStore(api, { ...options, holder: 'replica-b' }),
    dispose: deleteAll,
  };
});

describe('KubernetesStateStore.complete', () => {
  it('fails when another replica claims the state between its read and its write', async () => {
    await deleteAll();
    const options = { fallbackNamespace: 'federation-system' };
    const other = new KubernetesStateStore(api, { ...options, holder: 'replica-b' });
    let id = '';
    let hasClaimed = false;
    // Lets replica B claim the state just before replica A's completion patch is sent.
    const racing = {
      async request(spec: KubeRequest): Promise<unknown> {
        if (spec.method === 'PATCH' && !hasClaimed) {
          hasClaimed = (await other.claim(id, 60_000)) !== undefined;
        }
        return api.request(spec);
      },
    } as unknown as KubeApi;
    const store = new KubernetesStateStore(racing, { ...options, holder: 'replica-a' });
    id = await store.reserve({
      generator: { namespace: 'team-a', kind: 'Password', name: 'db-password' },
      generatorSpec: {},
      owner: { federation: 'cluster-a', issuer: 'https://issuer-a.example', subject: 'web' },
      garbageCollectionDeadline: new Date(Date.UTC(2030, 0, 1)),
    });

    await assert.rejects(store.complete(id, { leaseId: 'lease-1' }, new Date()), {
      reason: 'StateWriteFailed',
    });

    assert.equal(hasClaimed, true);
    const [record] = await store.findExpired(new Date(Date.UTC(2031, 0, 1)), 10);
    assert.equal(record?.phase, 'pending');
    await deleteAll();
  });
});
