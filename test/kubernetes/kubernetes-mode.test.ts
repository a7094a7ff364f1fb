import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { explainKubernetes, explanationText } from '../../src/commands/explain.js';
import { appToken, caBody, call, eventually, issuerA, reasonOf } from '../support/hub.js';
import type { CallResult } from '../support/hub.js';
import { watchedCollections } from '../../src/resources/kubernetes/index.js';
import { kubeScripts } from '../support/kube-api-server.js';
import type { KubeObject } from '../support/kube-api-server.js';
import { readerAuthorization as authorization, startKubeScene } from '../support/kube-hub.js';
import type { KubeReplica, KubeScene } from '../support/kube-hub.js';

const run = promisify(execFile);
const authorizations = '/apis/federation.external-secrets.io/v1alpha1/authorizations';
const generatorStates =
  '/apis/generators.external-secrets.io/v1alpha1/namespaces/gen/generatorstates';

describe('Kubernetes mode against a real API server', { timeout: 120_000 }, () => {
  let scene: KubeScene;
  let replica: KubeReplica;

  const read = (url: string, store: string, subject = 'app-sa'): Promise<CallResult> =>
    call({ url }, `/secretstore/${store}/secrets/hello`, {
      token: appToken(scene.clusterA, {
        namespace: subject === 'app-sa' ? 'app' : 'team',
        serviceAccount: subject,
      }),
      body: caBody(scene.clusterA),
    });
  const isReady = async (url: string) =>
    (await call({ url }, '/readyz', { method: 'GET' })).status === 200;

  before(async () => {
    scene = await startKubeScene();
    replica = await scene.startReplica();
    await eventually(() => isReady(replica.url), 10_000);
  });
  after(async () => scene?.close());

  it('serves a granted secret and hides everything else, as standalone mode does', async () => {
    const granted = await read(replica.url, 'main-store');
    assert.equal(granted.status, 200, granted.text);
    assert.equal(granted.body, 'world');
    assert.equal(reasonOf(await read(replica.url, 'ungranted-store')), 'NotFound');
    assert.equal(reasonOf(await read(replica.url, 'no-such-store')), 'NotFound');
    const stranger = await call(replica, '/secretstore/main-store/secrets/hello', {
      token: appToken(scene.clusterA, { claims: { iss: 'https://unknown.example' } }),
      body: caBody(scene.clusterA),
    });
    assert.equal(reasonOf(stranger), 'UnknownIssuer');
  });

  it('applies a created, edited and deleted Authorization within 2 s', async () => {
    assert.equal(reasonOf(await read(replica.url, 'other-store', 'reader')), 'NotFound');

    await scene.apply(authorization('reader', ['other-store']));
    await eventually(async () => (await read(replica.url, 'other-store', 'reader')).status === 200);

    await scene.apply(authorization('reader', ['main-store']));
    await eventually(async () => (await read(replica.url, 'other-store', 'reader')).status === 404);
    assert.equal((await read(replica.url, 'main-store', 'reader')).status, 200);

    await scene.remove('federation.external-secrets.io/v1alpha1', 'Authorization', 'reader');
    await eventually(async () => (await read(replica.url, 'main-store', 'reader')).status === 404);
  });

  it('records a generator call as a GeneratorState object and deletes it on revocation', async () => {
    const token = appToken(scene.clusterA, { pod: { name: 'web-1', uid: 'uid-web-1' } });
    const issued = await call(replica, '/generators/gen/Password/db-password', {
      token,
      body: caBody(scene.clusterA),
    });
    assert.equal(issued.status, 200, issued.text);

    const list = await scene.kube.request('GET', generatorStates);
    const states = (list.body.items ?? []).filter(
      (item: KubeObject) =>
        (item.metadata as { labels?: Record<string, string> }).labels?.[
          'federation.externalsecrets.com/owner'
        ] === 'web-1',
    );
    assert.equal(states.length, 1);
    const labels = (states[0]?.metadata as { labels: Record<string, string> }).labels;
    assert.equal(labels['federation.externalsecrets.com/generator'], 'db-password');
    assert.equal(labels['federation.externalsecrets.com/generator-kind'], 'Password');
    const spec = states[0]?.spec as { garbageCollectionDeadline: string; resource: KubeObject };
    assert.ok(Date.parse(spec.garbageCollectionDeadline) > Date.now());
    assert.equal(spec.resource.kind, 'Password');
    assert.ok(
      !JSON.stringify(states[0]).includes(String((issued.body as { password: string }).password)),
    );

    const revoked = await call(replica, '/generators/gen/Password/db-password', {
      method: 'DELETE',
      token,
    });
    assert.equal(revoked.status, 200, revoked.text);
    const after = await scene.kube.request('GET', generatorStates);
    const left = (after.body.items ?? []).filter(
      (item: KubeObject) =>
        (item.metadata as { labels?: Record<string, string> }).labels?.[
          'federation.externalsecrets.com/owner'
        ] === 'web-1',
    );
    assert.equal(left.length, 0);
  });

  it('revokes one owner in one namespace through /revoke, ClusterGenerator states included', async () => {
    const token = appToken(scene.clusterA, { pod: { name: 'batch-7', uid: 'uid-batch-7' } });
    for (const path of [
      '/generators/gen/ClusterGenerator/shared-password',
      '/generators/gen/UUID/request-id',
    ]) {
      const issued = await call(replica, path, { token, body: caBody(scene.clusterA) });
      assert.equal(issued.status, 200, issued.text);
    }
    const owned = async () =>
      (
        (
          await scene.kube.request(
            'GET',
            `${generatorStates}?labelSelector=federation.externalsecrets.com/owner=batch-7`,
          )
        ).body.items ?? []
      ).length;
    assert.equal(await owned(), 2);

    const revoked = await call(replica, '/generators/gen/revoke', {
      token,
      body: { ...caBody(scene.clusterA), owner: 'batch-7' },
    });
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.body, { revoked: 2 });
    assert.equal(await owned(), 0);
  });

  it('writes status conditions: references of an Authorization and keys of a federation', async () => {
    await scene.apply(authorization('dangling', ['missing-store']));
    await eventually(async () => {
      const object = await scene.kube.request('GET', `${authorizations}/dangling`);
      const conditions =
        (
          object.body.status as
            { conditions?: { type: string; status: string; message: string }[] } | undefined
        )?.conditions ?? [];
      const references = conditions.find((condition) => condition.type === 'ReferencesResolved');
      return references?.status === 'False' && references.message.includes('missing-store');
    });

    assert.equal((await read(replica.url, 'main-store')).status, 200);
    await eventually(async () => {
      const object = await scene.kube.request(
        'GET',
        '/apis/federation.external-secrets.io/v1alpha1/kubernetesfederations/cluster-a',
      );
      const status = object.body.status as
        { conditions?: { type: string; status: string }[]; keyCount?: number } | undefined;
      const conditions = status?.conditions ?? [];
      return (
        status?.keyCount === 1 &&
        conditions.some(
          (condition) => condition.type === 'KeysFetched' && condition.status === 'True',
        )
      );
    });
    const printed = await scene.kube.request('GET', `${authorizations}/dangling`);
    assert.deepEqual(
      [(printed.body.status as { storeCount?: number }).storeCount],
      [1],
      'the Stores column counts allowedClusterSecretStores',
    );
    await scene.remove('federation.external-secrets.io/v1alpha1', 'Authorization', 'dangling');
  });

  it('survives a crash and restart of the API server, and applies changes made after it', async () => {
    await scene.apply(authorization('reader', ['main-store']));
    await eventually(async () => (await read(replica.url, 'main-store', 'reader')).status === 200);

    // Killed rather than stopped: a graceful stop waits a minute for open watches to end,
    // and a crash is the harder case (no watch is closed cleanly).
    const env = await readFile(join(scene.kube.directory, 'env'), 'utf8');
    const pid = Number(/^APISERVER_PID=(\d+)$/m.exec(env)?.[1]);
    process.kill(pid, 'SIGKILL');
    await run(join(kubeScripts, 'restart-apiserver.sh'), [scene.kube.directory, '2'], {
      timeout: 60_000,
    });
    // Served from the replica's own view while the API server was away.
    assert.equal((await read(replica.url, 'main-store', 'reader')).status, 200);

    await scene.remove('federation.external-secrets.io/v1alpha1', 'Authorization', 'reader');
    await eventually(
      async () => (await read(replica.url, 'main-store', 'reader')).status === 404,
      10_000,
    );
    assert.equal(await isReady(replica.url), true);
  });

  it('lists again when its resource version was compacted away, and drops what went', async () => {
    await scene.apply(authorization('compacted', ['main-store']));
    await eventually(async () => (await read(replica.url, 'main-store', 'reader')).status === 200);

    // While the API server is down, the Authorization goes from etcd and the history that
    // recorded it is compacted: the replica's resource version is too old to watch from,
    // and only a new list can tell it the grant is gone.
    const env = await readFile(join(scene.kube.directory, 'env'), 'utf8');
    process.kill(Number(/^APISERVER_PID=(\d+)$/m.exec(env)?.[1]), 'SIGKILL');
    const etcd = `http://127.0.0.1:${/^ETCD_PORT=(\d+)$/m.exec(env)?.[1]}`;
    const key = Buffer.from(
      '/registry/apiextensions.kubernetes.io/federation.external-secrets.io/authorizations/compacted',
    ).toString('base64');
    const deleted = await fetch(`${etcd}/v3/kv/deleterange`, {
      method: 'POST',
      body: JSON.stringify({ key }),
    });
    const { header } = (await deleted.json()) as { header: { revision: string } };
    await fetch(`${etcd}/v3/kv/compaction`, {
      method: 'POST',
      body: JSON.stringify({ revision: header.revision, physical: true }),
    });
    await run(join(kubeScripts, 'restart-apiserver.sh'), [scene.kube.directory, '0'], {
      timeout: 60_000,
    });

    await eventually(
      async () => (await read(replica.url, 'main-store', 'reader')).status === 404,
      15_000,
    );
    const relisted = replica.logs
      .entries()
      .some((entry) => entry.msg === 'watch expired; listing again');
    assert.ok(relisted, 'the replica listed again after 410 Gone');
  });

  it('explains an identity from the custom resources, as the server decides', async () => {
    const result = await explainKubernetes({
      kubeconfig: scene.kube.kubeconfigPath,
      issuer: issuerA,
      subject: 'system:serviceaccount:app:app-sa',
    });
    assert.equal(result.explanation.allowed, true);
    const text = explanationText(result);
    assert.match(text, /main-store/);
    assert.doesNotMatch(text, /ungranted-store/);
  });

  it('reports not ready until the first sync, with what it waits for', async () => {
    // A replica whose API server cannot be reached serves /readyz, and says what it lacks.
    const text = await readFile(scene.kube.kubeconfigPath, 'utf8');
    const unreachable = join(scene.kube.directory, 'unreachable.kubeconfig');
    await writeFile(unreachable, text.replace(scene.kube.url, 'https://127.0.0.1:9'));
    const lost = await scene.startReplica({ kube: { kubeconfig: unreachable } });
    const ready = await call(lost, '/readyz', { method: 'GET' });
    assert.equal(ready.status, 503);
    const waitingFor = (ready.body as { waitingFor: string[] }).waitingFor;
    assert.equal(waitingFor[0], 'configuration', JSON.stringify(waitingFor));
    // Then every collection, each with why its list fails once it has failed.
    assert.ok(
      waitingFor.some((entry) => entry.startsWith(`kubernetes: first list of ${authorizations}`)),
      JSON.stringify(waitingFor),
    );
    assert.equal(waitingFor.length, 1 + watchedCollections().length);
    await lost.server.close();
  });

  it('names on /readyz the one kind whose CRD is not installed', async () => {
    // Last in this file: the SSHKey CRD, and every SSHKey with it, is gone afterwards.
    const sshKeys = '/apis/generators.external-secrets.io/v1alpha1/sshkeys';
    await scene.kube.request(
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sshkeys.generators.external-secrets.io',
    );
    // A collection the API server no longer serves answers a bare 404, without a Status.
    const isGone = async () =>
      scene.kube.request('GET', sshKeys).then(
        (answer) => answer.status === 404,
        (error: unknown) => / 404\b/.test(String(error)),
      );
    await eventually(isGone, 30_000);

    const stuck = await scene.startReplica();
    const expected = [
      'configuration',
      `kubernetes: first list of ${sshKeys} (not served: is the SSHKey CRD installed?)`,
    ];
    let waitingFor: string[] = [];
    await eventually(async () => {
      const ready = await call(stuck, '/readyz', { method: 'GET' });
      assert.equal(ready.status, 503);
      waitingFor = (ready.body as { waitingFor: string[] }).waitingFor;
      return JSON.stringify(waitingFor) === JSON.stringify(expected);
    }, 10_000).catch(() => assert.deepEqual(waitingFor, expected));
    assert.equal(await isReady(replica.url), true, 'a replica past its first sync stays ready');
    await stuck.server.close();
  });
});
