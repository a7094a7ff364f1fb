import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { appToken, call, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

const podA0 = { name: 'app-0', uid: '11111111-1111-4111-8111-111111111111' };
const podA1 = { name: 'app-1', uid: '22222222-2222-4222-8222-222222222222' };

describe('generators over HTTP', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  async function generate(path: string, pod = podA0) {
    return call(hub, path, { token: appToken(hub.clusterA, { pod }), body: caBody(hub.clusterA) });
  }

  it('generates a password as a JSON object of strings', async () => {
    const result = await generate('/generators/gen/Password/db-password');
    assert.equal(result.status, 200);
    const { password } = result.body as { password: string };
    assert.equal(password.length, 20);
    assert.equal(password.replace(/[^0-9]/g, '').length, 4);
    const other = await generate('/generators/gen/Password/db-password');
    assert.notEqual((other.body as { password: string }).password, password);
  });

  it('generates a UUID, fake data, an SSH key and through a ClusterGenerator', async () => {
    const uuid = await generate('/generators/gen/UUID/request-id');
    assert.match((uuid.body as { uuid: string }).uuid, /^[0-9a-f-]{36}$/);
    const fake = await generate('/generators/gen/Fake/static');
    assert.deepEqual(fake.body, { username: 'fake-user', token: 'fake-generated-value' });
    const ssh = await generate('/generators/gen/SSHKey/deploy-key');
    const keys = ssh.body as { privateKey: string; publicKey: string };
    assert.match(keys.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.match(keys.publicKey, /^ssh-ed25519 [A-Za-z0-9+/=]+ deploy@hub\n?$/);
    const shared = await generate('/generators/gen/ClusterGenerator/shared-password');
    assert.equal((shared.body as { password: string }).password.length, 16);
    assert.ok(createPublicKey);
  });

  it('answers 404 alike for a generator not granted, missing, or in another namespace', async () => {
    const texts = new Set<string>();
    for (const path of [
      '/generators/gen/Password/absent',
      '/generators/other/Password/db-password',
      '/generators/gen/UUID/db-password',
    ]) {
      const result = await generate(path);
      assert.equal(result.status, 404, path);
      texts.add(result.text);
    }
    assert.equal(texts.size, 1);
  });

  it('records who received what before answering', async () => {
    await hub.close();
    hub = await startTestHub();
    await generate('/generators/gen/Password/db-password');
    const store = await hub.openStateStore();
    try {
      const states = await store.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.equal(states.length, 1);
      const [state] = states;
      assert.equal(state?.phase, 'issued');
      assert.deepEqual(state?.generator, {
        namespace: 'gen',
        kind: 'Password',
        name: 'db-password',
      });
      assert.equal(state?.owner.federation, 'cluster-a');
      assert.equal(state?.owner.subject, 'system:serviceaccount:app:app-sa');
      assert.equal(state?.owner.namespace, 'app');
      assert.equal(state?.owner.serviceAccount, 'app-sa');
      assert.equal(state?.owner.pod, 'app-0');
      assert.equal(state?.owner.podUid, podA0.uid);
      assert.ok(state!.garbageCollectionDeadline.getTime() > Date.now());
    } finally {
      await store.close();
    }
  });

  it('DELETE revokes only the calling pod states of that generator, and is idempotent', async () => {
    await hub.close();
    hub = await startTestHub();
    await generate('/generators/gen/Password/db-password', podA0);
    await generate('/generators/gen/Password/db-password', podA0);
    await generate('/generators/gen/Password/db-password', podA1);
    await generate('/generators/gen/UUID/request-id', podA0);

    const token = appToken(hub.clusterA, { pod: podA0 });
    const first = await call(hub, '/generators/gen/Password/db-password', {
      method: 'DELETE',
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { revoked: 2 });
    const again = await call(hub, '/generators/gen/Password/db-password', {
      method: 'DELETE',
      token,
      body: caBody(hub.clusterA),
    });
    assert.deepEqual(again.body, { revoked: 0 });

    const store = await hub.openStateStore();
    try {
      const left = await store.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      const owners = left.map((s) => `${s.generator.kind}/${s.owner.pod}`).sort();
      assert.deepEqual(owners, ['Password/app-1', 'UUID/app-0']);
    } finally {
      await store.close();
    }
  });

  it('accepts a body-less DELETE from a federation that pins its CA', async () => {
    const token = appToken(hub.clusterB, { pod: podA0 });
    const generated = await call(hub, '/generators/gen/Password/db-password', { token });
    assert.equal(generated.status, 200);
    const result = await call(hub, '/generators/gen/Password/db-password', {
      method: 'DELETE',
      token,
    });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { revoked: 1 });
  });
});

describe('POST /generators/:namespace/revoke', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  async function seed(pod: { name: string; uid: string }, path: string) {
    const result = await call(hub, path, {
      token: appToken(hub.clusterA, { pod }),
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
  }

  it('revokes the caller pod states by default, in the route namespace only', async () => {
    await seed(podA0, '/generators/gen/Password/db-password');
    await seed(podA0, '/generators/gen/UUID/request-id');
    await seed(podA1, '/generators/gen/UUID/request-id');
    const result = await call(hub, '/generators/gen/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { revoked: 2 });
  });

  it('revokes a named owner filtered by kind and name', async () => {
    await seed(podA1, '/generators/gen/Password/db-password');
    const result = await call(hub, '/generators/gen/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA, { owner: 'app-1', kind: 'UUID', name: 'request-id' }),
    });
    assert.deepEqual(result.body, { revoked: 1 });
    const rest = await call(hub, '/generators/gen/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA, { owner: 'app-1', namespace: 'app' }),
    });
    assert.deepEqual(rest.body, { revoked: 1 });
  });

  it('needs allowedGeneratorStates for the route namespace and never crosses into another', async () => {
    await seed(podA0, '/generators/gen/Password/db-password');
    const elsewhere = await call(hub, '/generators/other/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA),
    });
    assert.equal(elsewhere.status, 404);
    const bad = await call(hub, '/generators/gen/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA, { namespace: '' }),
    });
    assert.equal(bad.status, 400);
    const store = await hub.openStateStore();
    try {
      const left = await store.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.equal(left.length, 1, 'neither call may delete anything');
    } finally {
      await store.close();
    }
  });

  it('never revokes the states of the same pod name in another client cluster', async () => {
    const tokenB = appToken(hub.clusterB, { pod: podA0 });
    const generated = await call(hub, '/generators/gen/Password/db-password', { token: tokenB });
    assert.equal(generated.status, 200);
    const result = await call(hub, '/generators/gen/revoke', {
      token: appToken(hub.clusterA, { pod: podA0 }),
      body: caBody(hub.clusterA, { owner: 'app-0' }),
    });
    assert.deepEqual(result.body, { revoked: 1 }, 'only cluster A state of app-0');
    const store = await hub.openStateStore();
    try {
      const left = await store.find({
        generatorNamespace: 'gen',
        federation: 'cluster-b',
        issuer: hub.clusterB.issuer,
      });
      assert.equal(left.length, 1);
    } finally {
      await store.close();
    }
  });
});
