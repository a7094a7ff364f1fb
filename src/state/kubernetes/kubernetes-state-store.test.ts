import { after, before } from 'node:test';

import { startKubeApiServer } from '../../../test/support/kube-api-server.js';
import type { KubeApiServer, KubeObject } from '../../../test/support/kube-api-server.js';
import { KubeApi } from '../../kubernetes/index.js';
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
