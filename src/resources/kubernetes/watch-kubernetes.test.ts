import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { KubeObject } from '../../kubernetes/index.js';
import { isConfigurationChange } from './watch-kubernetes.js';

const authorization: KubeObject = {
  apiVersion: 'federation.external-secrets.io/v1alpha1',
  kind: 'Authorization',
  metadata: {
    name: 'reader',
    generation: 3,
    resourceVersion: '41',
    labels: { team: 'a' },
    annotations: { note: 'x' },
    managedFields: [{ manager: 'kubectl', time: '2026-05-01T10:00:00Z' }],
  } as KubeObject['metadata'],
  spec: { allowedClusterSecretStores: ['main-store'] },
  status: { storeCount: 1 },
};

function changed(metadata: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  return {
    ...authorization,
    ...rest,
    metadata: { ...authorization.metadata, ...metadata },
  } as KubeObject;
}

describe('isConfigurationChange', () => {
  it('ignores a write of the status alone, with its new resourceVersion and managedFields', () => {
    const written = changed(
      { resourceVersion: '42', managedFields: [{ manager: 'federation-server' }] },
      { status: { storeCount: 1, conditions: [{ type: 'Accepted', status: 'True' }] } },
    );
    assert.equal(isConfigurationChange(authorization, written), false);
  });

  it('sees a change of the spec, the generation, a label or an annotation', () => {
    const edits = [
      changed({ generation: 4 }, { spec: { allowedClusterSecretStores: [] } }),
      changed({ generation: 4 }),
      changed({ labels: { team: 'b' } }),
      changed({ annotations: {} }),
    ];
    for (const edit of edits) assert.equal(isConfigurationChange(authorization, edit), true);
  });
});
