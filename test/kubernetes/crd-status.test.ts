import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { buildCrds } from '../../src/resources/crds/index.js';
import {
  resourcePath,
  startKubeApiServer,
  type KubeApiServer,
  type KubeObject,
} from '../support/kube-api-server.js';
import { generatorState, seedAuthorization, seedFederation } from './crd-objects.js';

const crds = buildCrds();
const byName = (name: string) => {
  const crd = crds.find((item) => item.metadata.name === name);
  assert.ok(crd, name);
  return crd;
};
const authorizations = resourcePath(byName('authorizations.federation.external-secrets.io'));
const federations = resourcePath(byName('kubernetesfederations.federation.external-secrets.io'));
const states = resourcePath(
  byName('generatorstates.generators.external-secrets.io'),
  'federation-generators',
);

const mergePatch = 'application/merge-patch+json';
const table = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface Table {
  columnDefinitions: { name: string }[];
  rows: { cells: unknown[] }[];
}

/** `kubectl get` as the API server renders it: column name to the first row's cell. */
function firstRow(answer: KubeObject): Record<string, unknown> {
  const rendered = answer as unknown as Table;
  const cells = rendered.rows[0]?.cells ?? [];
  return Object.fromEntries(rendered.columnDefinitions.map((column, i) => [column.name, cells[i]]));
}

const condition = (type: string, status: string, reason: string) => ({
  type,
  status,
  reason,
  message: 'written by the test',
  lastTransitionTime: '2026-01-02T03:04:05Z',
  observedGeneration: 1,
});

describe('status subresource and printer columns on a real API server', () => {
  let kube: KubeApiServer;

  before(async () => {
    kube = await startKubeApiServer();
    await kube.installCrds();
    for (const [path, body] of [
      [authorizations, seedAuthorization],
      [federations, seedFederation('federation.external-secrets.io/v1alpha1')],
      [states, generatorState],
    ] as const) {
      const created = await kube.request('POST', path, { body });
      assert.equal(created.status, 201, created.body.message);
    }
  });

  after(async () => {
    await kube?.stop();
  });

  it('writes an Authorization status, shown by kubectl get with the counts', async () => {
    const status = {
      storeCount: 1,
      generatorCount: 1,
      observedGeneration: 1,
      conditions: [condition('ReferencesResolved', 'False', 'StoreNotFound')],
    };
    const path = `${authorizations}/${seedAuthorization.metadata.name}/status`;
    const patched = await kube.request('PATCH', path, {
      body: { status },
      contentType: mergePatch,
    });
    assert.equal(patched.status, 200, patched.body.message);
    assert.deepEqual(patched.body.status, status);

    const listed = await kube.request('GET', authorizations, { accept: table });
    assert.deepEqual(firstRow(listed.body), {
      ...firstRow(listed.body),
      Name: 'allow-app-x-access-vault',
      Federation: 'my-client-cluster',
      Subject: 'system:serviceaccount:app-ns:app-x-sa',
      Stores: 1,
      Generators: 1,
      Resolved: 'False',
    });
  });

  it('ignores status sent to the main resource, and spec sent to the status', async () => {
    const path = `${authorizations}/${seedAuthorization.metadata.name}`;
    const onMain = await kube.request('PATCH', path, {
      body: { status: { storeCount: 99 } },
      contentType: mergePatch,
    });
    assert.equal(onMain.status, 200);
    assert.equal((onMain.body.status as { storeCount: number }).storeCount, 1);

    const onStatus = await kube.request('PATCH', `${path}/status`, {
      body: { spec: { allowedClusterSecretStores: [] } },
      contentType: mergePatch,
    });
    assert.equal(onStatus.status, 200);
    assert.deepEqual(
      (onStatus.body.spec as { allowedClusterSecretStores: string[] }).allowedClusterSecretStores,
      seedAuthorization.spec.allowedClusterSecretStores,
    );
  });

  it('rejects a status that does not match its schema, naming the field', async () => {
    const path = `${authorizations}/${seedAuthorization.metadata.name}/status`;
    const bad = await kube.request('PATCH', path, {
      body: { status: { conditions: [{ type: 'ReferencesResolved', status: 'Maybe' }] } },
      contentType: mergePatch,
    });
    assert.equal(bad.status, 422);
    assert.match(bad.body.message ?? '', /status\.conditions\[0\]\.status: Unsupported value/);
  });

  it('writes a KubernetesFederation status, shown with the URL and KeysFetched', async () => {
    const status = {
      keyCount: 2,
      lastKeysFetchTime: '2026-01-02T03:04:05Z',
      conditions: [condition('KeysFetched', 'True', 'KeySetFetched')],
    };
    const path = `${federations}/my-client-cluster/status`;
    const replaced = await kube.request('GET', path);
    const put = await kube.request('PUT', path, { body: { ...replaced.body, status } });
    assert.equal(put.status, 200, put.body.message);

    const listed = await kube.request('GET', federations, { accept: table });
    const row = firstRow(listed.body);
    assert.equal(row.URL, 'https://api.my-client-cluster.example.com');
    assert.equal(row['Keys Fetched'], 'True');
    assert.equal(row.Keys, 2);
  });

  it('shows a GeneratorState with its generator, owner and deadline, and takes a status', async () => {
    const listed = await kube.request('GET', states, { accept: table });
    const row = firstRow(listed.body);
    assert.equal(row.Generator, 'db-password');
    assert.equal(row.Kind, 'Password');
    assert.equal(row.Owner, 'app-x-7d9f');
    assert.equal(row['GC Deadline'], '2030-01-01T00:00:00Z');
    assert.ok('Age' in row);

    const path = `${states}/${generatorState.metadata.name}/status`;
    const conditions = [condition('Revoked', 'False', 'RevocationPending')];
    const patched = await kube.request('PATCH', path, {
      body: { status: { conditions } },
      contentType: mergePatch,
    });
    assert.equal(patched.status, 200, patched.body.message);
    assert.deepEqual((patched.body.status as { conditions: unknown }).conditions, conditions);
  });

  it('keeps status fields another controller writes on a kind shared with ESO', async () => {
    const path = `${states}/${generatorState.metadata.name}/status`;
    const patched = await kube.request('PATCH', path, {
      body: { status: { writtenByEso: { phase: 'x' } } },
      contentType: mergePatch,
    });
    assert.equal(patched.status, 200, patched.body.message);
    assert.deepEqual((patched.body.status as { writtenByEso: unknown }).writtenByEso, {
      phase: 'x',
    });
  });

  it('keeps objects and their status across an API server restart', async () => {
    await kube.restart(1);
    const read = await kube.request('GET', `${authorizations}/${seedAuthorization.metadata.name}`);
    assert.equal(read.status, 200, read.body.message);
    assert.equal((read.body.status as { storeCount: number }).storeCount, 1);
  });
});
