import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { CoreSecretsApi } from '../../test/support/core-secrets-api.js';
import { isFederationError } from '../errors.js';
import { KubeApi } from '../kubernetes/index.js';
import { ApiSecretReader } from './api-secret-reader.js';

/**
 * The shared test API server has no core API, so the Secrets of Kubernetes mode are read
 * here from a stand-in of `GET /api/v1/namespaces/<ns>/secrets/<name>` over TLS with a
 * bearer token, through a kubeconfig as the server loads it.
 */
describe('ApiSecretReader', () => {
  let core: CoreSecretsApi;
  let dir: string;
  let api: KubeApi;
  let reader: ApiSecretReader;

  const isStoreNotReady = (error: unknown) =>
    isFederationError(error) && error.reason === 'StoreNotReady';

  before(async () => {
    core = await CoreSecretsApi.start();
    core.tokens.set('hub-token', ['vault']);
    core.setSecret('vault', 'approle', { data: { 'secret-id': 's3cr3t-id\n' } });
    dir = await mkdtemp(join(tmpdir(), 'api-secrets-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'hub',
            cluster: {
              server: core.url,
              'certificate-authority-data': Buffer.from(core.caPem).toString('base64'),
            },
          },
        ],
        users: [{ name: 'hub', user: { token: 'hub-token' } }],
        contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'hub' } }],
        'current-context': 'hub',
      }),
    );
    api = KubeApi.connect({ kubeconfig });
    reader = new ApiSecretReader(api);
  });

  after(async () => {
    await api.close();
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and decodes one key of a Secret, with the kubeconfig token', async () => {
    const value = await reader.readSecretKey({
      namespace: 'vault',
      name: 'approle',
      key: 'secret-id',
    });
    assert.equal(value.toString('utf8'), 's3cr3t-id\n');
    assert.equal(core.requests.at(-1)?.auth, 'token');
  });

  it('answers StoreNotReady for a missing Secret, a missing key or a forbidden namespace', async () => {
    await assert.rejects(
      reader.readSecretKey({ namespace: 'vault', name: 'nope', key: 'secret-id' }),
      isStoreNotReady,
    );
    await assert.rejects(
      reader.readSecretKey({ namespace: 'vault', name: 'approle', key: 'role-id' }),
      isStoreNotReady,
    );
    await assert.rejects(
      reader.readSecretKey({ namespace: 'kube-system', name: 'approle', key: 'secret-id' }),
      (error: unknown) =>
        isStoreNotReady(error) &&
        String((error as { detail?: string }).detail).includes('Forbidden'),
    );
  });
});
