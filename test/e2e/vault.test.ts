import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { openSqliteStateStore } from '../../src/state/index.js';
import {
  appToken,
  baseManifests,
  call,
  caBody,
  eventually,
  issuerA,
  reasonOf,
  startTestHub,
  type TestHub,
} from '../support/hub.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { AppRoleAuth } from '../support/vault/vault-auth.js';
import { defaultCreationStatements } from '../support/vault/vault-database.js';
import { closedPort } from '../support/vault/vault-fixture.js';
import { startVaultStandIn, type VaultStandIn } from '../support/vault/vault-stand-in.js';

const secretId = 'approle-secret-id-e2e-93f1';
const issuedSecretId = 'approle-secret-id-issued-e2e-5d02';
const kvPassword = 'pw-vault-e2e-4471';
const leaseSeconds = 600;
const pod = { name: 'app-0', uid: '11111111-1111-4111-8111-111111111111' };

const manifest = (value: unknown): string => JSON.stringify(value);

function provider(vault: VaultStandIn, namespace: string): Record<string, unknown> {
  return {
    server: vault.url,
    caBundle: Buffer.from(vault.caPem).toString('base64'),
    auth: {
      appRole: {
        roleId: 'role-hub',
        secretRef: { name: 'vault-approle', key: 'secret-id', namespace },
      },
    },
  };
}

function vaultManifests(vault: VaultStandIn, unreachable: string): string {
  const broken = (name: string, block: Record<string, unknown>) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name },
    spec: { provider: { vault: { ...provider(vault, 'hub-creds'), path: 'secret', ...block } } },
  });
  const wrongSecret = { name: 'vault-approle', key: 'stale', namespace: 'hub-creds' };
  const docs = [
    broken('vault-down', { server: unreachable }),
    broken('vault-wrong', { auth: { appRole: { roleId: 'role-hub', secretRef: wrongSecret } } }),
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault-kv' },
      spec: { provider: { vault: { ...provider(vault, 'hub-creds'), path: 'secret' } } },
    },
    // Without path, the first segment of the caller's key is the mount.
    ...(['v1', 'v2'] as const).map((version) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: `vault-any-mount-${version}` },
      spec: { provider: { vault: { ...provider(vault, 'hub-creds'), version } } },
    })),
    {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: 'db-user', namespace: 'gen' },
      spec: { path: 'database/creds/app', provider: provider(vault, 'gen') },
    },
    {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: 'db-user-short', namespace: 'gen' },
      spec: { path: 'database/creds/short', provider: provider(vault, 'gen') },
    },
    // Token creation with a body: a call that changes Vault's state with POST or PUT.
    ...(['POST', 'PUT'] as const).map((method) => ({
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: `token-${method.toLowerCase()}`, namespace: 'gen' },
      spec: {
        path: 'auth/token/create',
        method,
        parameters: { ttl: '10m' },
        resultType: 'Auth',
        provider: provider(vault, 'gen'),
      },
    })),
    // A login answered whole: the token it hands out must still be revocable.
    {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: 'login-raw', namespace: 'gen' },
      spec: {
        path: 'auth/approle/login',
        method: 'POST',
        parameters: { role_id: 'role-issued', secret_id: issuedSecretId },
        resultType: 'Raw',
        provider: provider(vault, 'gen'),
      },
    },
    {
      apiVersion: 'federation.external-secrets.io/v1alpha1',
      kind: 'Authorization',
      metadata: { name: 'vault-user' },
      spec: {
        federationRef: { kind: 'KubernetesFederation', name: 'cluster-a' },
        subject: { issuer: issuerA, subject: 'system:serviceaccount:app:app-sa' },
        allowedClusterSecretStores: [
          'vault-kv',
          'vault-down',
          'vault-wrong',
          'vault-any-mount-v1',
          'vault-any-mount-v2',
        ],
        allowedGenerators: [
          { name: 'db-user', kind: 'VaultDynamicSecret', namespace: 'gen' },
          { name: 'db-user-short', kind: 'VaultDynamicSecret', namespace: 'gen' },
          { name: 'token-post', kind: 'VaultDynamicSecret', namespace: 'gen' },
          { name: 'token-put', kind: 'VaultDynamicSecret', namespace: 'gen' },
          { name: 'login-raw', kind: 'VaultDynamicSecret', namespace: 'gen' },
        ],
      },
    },
    ...['hub-creds', 'gen'].map((namespace) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'vault-approle', namespace },
      stringData: { 'secret-id': secretId, stale: 'a-secret-id-vault-never-issued' },
    })),
  ];
  return docs.map(manifest).join('\n---\n');
}

describe('vault store and VaultDynamicSecret through the server', () => {
  let postgres: TestPostgres;
  let vault: VaultStandIn;
  let hub: TestHub;
  let token: string;
  let manifests: Parameters<typeof startTestHub>[1];

  const read = (key: string, remoteRef?: Record<string, unknown>, store = 'vault-kv') =>
    call(hub, `/secretstore/${store}/secrets/${encodeURIComponent(key)}`, {
      token,
      body: caBody(hub.clusterA, remoteRef ? { remoteRef } : {}),
    });
  const generate = (name = 'db-user') =>
    call(hub, `/generators/gen/VaultDynamicSecret/${name}`, { token, body: caBody(hub.clusterA) });
  const revoke = () =>
    call(hub, '/generators/gen/VaultDynamicSecret/db-user', {
      method: 'DELETE',
      token,
      body: caBody(hub.clusterA),
    });

  before(async () => {
    postgres = await startTestPostgres();
    vault = await startVaultStandIn();
    vault.writePolicy('hub', [
      { path: 'secret/data/app/*', capabilities: ['read'] },
      { path: 'secret/metadata/app/*', capabilities: ['read'] },
      { path: 'database/creds/app', capabilities: ['read'] },
      { path: 'database/creds/short', capabilities: ['read'] },
      { path: 'sys/leases/revoke', capabilities: ['update'] },
      { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
    ]);
    const kv = vault.mountKv('secret', 2);
    kv.write('app/db', { password: 'pw-old' });
    kv.write('app/db', { password: kvPassword, conn: { host: 'db.internal', port: 5432 } });
    kv.setCustomMetadata('app/db', { owner: 'payments' });
    kv.write('private/x', { a: 'b' });
    const database = vault.mountDatabase('database', postgres.admin);
    database.roles.set('app', {
      creationStatements: defaultCreationStatements,
      defaultTtlSeconds: leaseSeconds,
    });
    // No VALID UNTIL: only a revocation, never PostgreSQL's own clock, can end this user.
    database.roles.set('short', {
      creationStatements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`],
      defaultTtlSeconds: 2,
    });
    const approle = vault.enableAuth('approle', new AppRoleAuth());
    approle.roles.set('hub', { roleId: 'role-hub', secretIds: [secretId], policies: ['hub'] });
    approle.roles.set('issued', {
      roleId: 'role-issued',
      secretIds: [issuedSecretId],
      policies: [],
      tokenTtlSeconds: 900,
    });

    const unreachablePort = await closedPort();
    manifests = (a, b) => ({
      ...baseManifests(a, b),
      'vault.yaml': vaultManifests(vault, `https://127.0.0.1:${unreachablePort}`),
    });
    hub = await startTestHub({ backendTimeoutMs: 1500 }, manifests);
    token = appToken(hub.clusterA, { pod });
  });

  after(async () => {
    await hub?.close();
    await vault?.close();
    await postgres?.stop();
  });

  it('serves a KV v2 property, a version and custom metadata', async () => {
    const property = await read('app/db', { property: 'conn.host' });
    assert.equal(property.status, 200, property.text);
    assert.equal(property.body, 'db.internal');
    const old = await read('app/db', { property: 'password', version: '1' });
    assert.equal(old.body, 'pw-old');
    const metadata = await read('app/db', { metadataPolicy: 'Fetch', property: 'owner' });
    assert.equal(metadata.body, 'payments');
  });

  it('logs the store in once for many reads', async () => {
    for (let index = 0; index < 5; index += 1) {
      const result = await read('app/db', { property: 'password' });
      assert.equal(result.body, kvPassword);
    }
    // Only the store has logged in so far: once, for every read of this file.
    assert.equal(vault.loginCount('approle'), 1);
  });

  it('answers 400 for a key naming a system mount or no plain mount, calling nothing', async () => {
    const keys = [
      'auth/token/lookup-self',
      'auth%2Ftoken%2Flookup-self?/x',
      '../x',
      'sys#/x',
      'sys/mounts',
      'identity/oidc/token/hub',
      'cubbyhole/x',
    ];
    for (const store of ['vault-any-mount-v1', 'vault-any-mount-v2']) {
      const before = vault.targets.length;
      for (const key of keys) {
        const refused = await read(key, undefined, store);
        assert.equal(refused.status, 400, `${store} ${key}: ${refused.text}`);
        assert.equal(reasonOf(refused), 'InvalidRemoteRef');
      }
      assert.deepEqual(vault.targets.slice(before), [], 'Vault saw no request');
    }
    const nested = await read('team/auth/token/lookup-self', undefined, 'vault-any-mount-v1');
    assert.equal(reasonOf(nested), 'InvalidRemoteRef');
    const served = await read('secret/app/db', { property: 'password' }, 'vault-any-mount-v2');
    assert.equal(served.body, kvPassword);
  });

  it('answers 404 NotFound for a missing secret and 502 for a path Vault denies', async () => {
    const missing = await read('app/absent');
    assert.equal(missing.status, 404);
    assert.equal(reasonOf(missing), 'NotFound');
    const denied = await read('private/x');
    assert.equal(denied.status, 502);
    assert.deepEqual(denied.body, { message: 'the secret backend failed', reason: 'BackendError' });
  });

  it('answers 502 for an unreachable Vault and for a login with a wrong secret id', async () => {
    for (const store of ['vault-down', 'vault-wrong']) {
      const result = await read('app/db', undefined, store);
      assert.equal(result.status, 502, store);
      assert.deepEqual(result.body, {
        message: 'the secret backend failed',
        reason: 'BackendError',
      });
    }
  });

  it('answers 502 for a 5xx and 504 when Vault is slower than the backend timeout', async () => {
    vault.setFault({ status: 500 });
    try {
      const failed = await read('app/db');
      assert.equal(failed.status, 502);
      assert.equal(reasonOf(failed), 'BackendError');
      vault.setFault({ delayMs: 4000 });
      const slow = await read('app/db');
      assert.equal(slow.status, 504);
      assert.equal(reasonOf(slow), 'BackendTimeout');
    } finally {
      vault.setFault(undefined);
    }
  });

  it('sends a KV read 3 times in all when Vault answers 503', async () => {
    vault.setFault({ status: 503, path: 'secret/data/app/db' });
    try {
      const before = vault.faulted.length;
      const failed = await read('app/db');
      assert.equal(failed.status, 502, failed.text);
      assert.equal(reasonOf(failed), 'BackendError');
      assert.equal(vault.faulted.length - before, 3, 'the first attempt and 2 retries');
    } finally {
      vault.setFault(undefined);
    }
  });

  it('hands out a PostgreSQL user that logs in, until DELETE revokes its lease', async () => {
    const loginsBefore = vault.loginCount('approle');
    const generated = await generate();
    assert.equal(generated.status, 200, generated.text);
    const values = generated.body as Record<string, string>;
    assert.deepEqual(Object.keys(values).sort(), ['password', 'username']);
    assert.ok(await postgres.canLogIn(values.username!, values.password!), 'user logs in');
    const [leaseId] = vault.leases.ids();
    assert.ok(leaseId !== undefined);
    assert.equal(generated.text.includes(leaseId), false, 'the lease id stays on the hub');

    const state = await openSqliteStateStore(hub.dataDir);
    try {
      const [record] = await state.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.deepEqual(record?.providerState, { leaseId });
      // The default state TTL is 24 h; the lease ends in 10 minutes, and so does the state.
      const deadline = record!.garbageCollectionDeadline.getTime();
      assert.ok(deadline <= Date.now() + leaseSeconds * 1000, 'deadline follows the lease');
      assert.ok(deadline > Date.now() + (leaseSeconds - 60) * 1000);
    } finally {
      await state.close();
    }

    const revoked = await revoke();
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.body, { revoked: 1 });
    assert.ok(vault.leases.revoked.includes(leaseId));
    assert.equal(await postgres.canLogIn(values.username!, values.password!), false);
    assert.equal(vault.loginCount('approle') - loginsBefore, 1, 'one login for both calls');
    assert.deepEqual((await revoke()).body, { revoked: 0 });
  });

  it('lets the sweeper revoke the lease once its duration has passed', async () => {
    const sweeping = await startTestHub(
      { backendTimeoutMs: 1500, sweepIntervalMs: 200 },
      manifests,
    );
    try {
      const generated = await call(sweeping, '/generators/gen/VaultDynamicSecret/db-user-short', {
        token: appToken(sweeping.clusterA, { pod }),
        body: caBody(sweeping.clusterA),
      });
      assert.equal(generated.status, 200, generated.text);
      const { username, password } = generated.body as Record<string, string>;
      assert.ok(await postgres.canLogIn(username!, password!), 'user logs in');
      const leaseId = vault.leases.ids().find((id) => id.startsWith('database/creds/short/'))!;
      // The state TTL is 24 h; the two-second lease sets the deadline the sweeper acts on.
      await eventually(async () => vault.leases.revoked.includes(leaseId), 8000);
      assert.equal(await postgres.canLogIn(username!, password!), false);
    } finally {
      await sweeping.close();
    }
  });

  it('hands out nothing a key-chosen mount leases, such as a database user', async () => {
    const before = vault.leases.ids();
    const leased = await read('database/creds/app', undefined, 'vault-any-mount-v1');
    assert.equal(leased.status, 502, leased.text);
    assert.equal(reasonOf(leased), 'BackendError');
    // Vault did create the user; only its lease could end it, and the hub never held it.
    for (const id of vault.leases.ids().filter((lease) => !before.includes(lease))) {
      await vault.leases.revoke(id, '');
    }
  });

  it('keeps the accessor of a token answered whole, so DELETE revokes it', async () => {
    const generated = await generate('login-raw');
    assert.equal(generated.status, 200, generated.text);
    const auth = JSON.parse((generated.body as Record<string, string>).auth ?? '{}') as {
      client_token: string;
      accessor: string;
    };
    assert.ok(vault.tokens.find(auth.client_token), 'the handed-out token is live');

    const state = await openSqliteStateStore(hub.dataDir);
    try {
      const [record] = await state.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.deepEqual(record?.providerState, { accessor: auth.accessor });
      const deadline = record!.garbageCollectionDeadline.getTime();
      assert.ok(deadline <= Date.now() + 900_000, 'deadline follows the token TTL');
    } finally {
      await state.close();
    }

    const before = vault.requests.length;
    const revoked = await call(hub, '/generators/gen/VaultDynamicSecret/login-raw', {
      method: 'DELETE',
      token,
      body: caBody(hub.clusterA),
    });
    assert.deepEqual(revoked.body, { revoked: 1 }, revoked.text);
    assert.ok(
      vault.requests
        .slice(before)
        .some(
          (request) => request.path === 'auth/token/revoke-accessor' && request.method === 'PUT',
        ),
    );
    assert.equal(vault.tokens.find(auth.client_token), undefined, 'the token is revoked');
  });

  it('answers 502 and records no state when Vault cannot create the user', async () => {
    vault.setFault({ status: 503, path: 'database/creds/app' });
    try {
      const before = vault.faulted.length;
      const failed = await generate();
      assert.equal(failed.status, 502);
      assert.equal(reasonOf(failed), 'BackendError');
      // Even a GET of database/creds creates a user: it is never sent twice.
      assert.equal(vault.faulted.length - before, 1);
    } finally {
      vault.setFault(undefined);
    }
    const state = await openSqliteStateStore(hub.dataDir);
    try {
      const left = await state.find({
        generatorNamespace: 'gen',
        federation: 'cluster-a',
        issuer: hub.clusterA.issuer,
      });
      assert.deepEqual(left, []);
    } finally {
      await state.close();
    }
  });

  it('sends a POST or PUT dynamic secret once when Vault answers 503', async () => {
    vault.setFault({ status: 503, path: 'auth/token/create' });
    try {
      for (const method of ['POST', 'PUT']) {
        const before = vault.faulted.length;
        const failed = await generate(`token-${method.toLowerCase()}`);
        assert.equal(failed.status, 502, failed.text);
        assert.equal(reasonOf(failed), 'BackendError');
        assert.deepEqual(
          vault.faulted.slice(before).map((request) => request.method),
          [method],
          'sent once, never retried',
        );
      }
    } finally {
      vault.setFault(undefined);
    }
  });

  it('never writes a credential, a lease id or a value to the log', () => {
    const text = hub.logs.lines.join('\n');
    assert.ok(hub.logs.lines.length > 0);
    const tokens = vault.logins.map((login) => login.token);
    const needles = [secretId, 'a-secret-id-vault-never-issued', kvPassword, ...tokens];
    for (const needle of [...needles, ...vault.leases.revoked]) {
      assert.equal(text.includes(needle), false, 'a secret appears in the log');
    }
  });
});
