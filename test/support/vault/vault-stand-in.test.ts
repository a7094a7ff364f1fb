import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AppRoleAuth } from './vault-auth.js';
import { closeVaultRequests, vaultRequest } from './vault-client-request.js';
import { startVaultStandIn, type VaultStandIn } from './vault-stand-in.js';

const envelopeKeys = [
  'auth',
  'data',
  'lease_duration',
  'lease_id',
  'mount_type',
  'renewable',
  'request_id',
  'warnings',
  'wrap_info',
];

describe('Vault stand-in', () => {
  let vault: VaultStandIn;
  let reader: string;

  before(async () => {
    vault = await startVaultStandIn();
    vault.writePolicy('reader', [
      { path: 'secret/data/*', capabilities: ['read'] },
      { path: 'secret/metadata/*', capabilities: ['read', 'list'] },
      { path: 'kv1/*', capabilities: ['read'] },
    ]);
    const kv2 = vault.mountKv('secret', 2);
    kv2.write('app/db', { password: 'first' });
    kv2.write('app/db', { password: 'second' });
    kv2.write('app/db', { password: 'third' });
    kv2.setCustomMetadata('app/db', { owner: 'payments' });
    kv2.deleteVersions('app/db', [1]);
    kv2.destroyVersions('app/db', [2]);
    vault.mountKv('kv1', 1).write('app/api', { key: 'v1-value' });
    reader = vault.createToken({ policies: ['reader'], ttlSeconds: 600 });
  });
  after(async () => {
    await closeVaultRequests(vault);
    await vault.close();
  });

  it('answers 403 permission denied without a token, with an unknown or expired one', async () => {
    const expired = vault.createToken({ policies: ['reader'], ttlSeconds: 600 });
    vault.tokens.expire(expired);
    for (const token of [undefined, 'hvs.unknown', expired]) {
      const answer = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db', { token });
      assert.equal(answer.status, 403);
      assert.deepEqual(answer.body, { errors: ['permission denied'] });
    }
  });

  it('answers 403 for a path the token policies do not grant', async () => {
    vault.mountKv('private', 2).write('x', { a: 'b' });
    const answer = await vaultRequest(vault, 'GET', '/v1/private/data/x', { token: reader });
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.body, { errors: ['permission denied'] });
  });

  it('reads the latest KV v2 version in the full envelope', async () => {
    const answer = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db', { token: reader });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body ?? {}).sort(), envelopeKeys);
    const data = answer.body?.data as { data: unknown; metadata: Record<string, unknown> };
    assert.deepEqual(data.data, { password: 'third' });
    assert.equal(data.metadata.version, 3);
    assert.equal(data.metadata.destroyed, false);
    assert.equal(data.metadata.deletion_time, '');
    assert.deepEqual(data.metadata.custom_metadata, { owner: 'payments' });
    assert.match(String(data.metadata.created_time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(answer.body?.lease_id, '');
    assert.equal(answer.body?.mount_type, 'kv');
  });

  it('answers 404 with metadata for deleted and destroyed versions', async () => {
    const deleted = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db?version=1', {
      token: reader,
    });
    assert.equal(deleted.status, 404);
    const deletedData = deleted.body?.data as { data: unknown; metadata: Record<string, unknown> };
    assert.equal(deletedData.data, null);
    assert.notEqual(deletedData.metadata.deletion_time, '');
    const destroyed = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db?version=2', {
      token: reader,
    });
    assert.equal(destroyed.status, 404);
    const destroyedData = destroyed.body?.data as { metadata: Record<string, unknown> };
    assert.equal(destroyedData.metadata.destroyed, true);
  });

  it('answers 404 with an empty error list for a missing secret or version', async () => {
    for (const path of ['/v1/secret/data/app/none', '/v1/secret/data/app/db?version=9']) {
      const answer = await vaultRequest(vault, 'GET', path, { token: reader });
      assert.equal(answer.status, 404, path);
      assert.deepEqual(answer.body, { errors: [] });
    }
  });

  it('answers 400 for a version that is not a number', async () => {
    const answer = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db?version=abc', {
      token: reader,
    });
    assert.equal(answer.status, 400);
    assert.equal((answer.body?.errors as string[]).length, 1);
  });

  it('serves KV v2 metadata with every version and the custom metadata', async () => {
    const answer = await vaultRequest(vault, 'GET', '/v1/secret/metadata/app/db', {
      token: reader,
    });
    assert.equal(answer.status, 200);
    const data = answer.body?.data as Record<string, unknown>;
    assert.equal(data.current_version, 3);
    assert.deepEqual(data.custom_metadata, { owner: 'payments' });
    const versions = data.versions as Record<string, { destroyed: boolean }>;
    assert.deepEqual(Object.keys(versions), ['1', '2', '3']);
    assert.equal(versions['2']?.destroyed, true);
    // Node's HTTP parser refuses the LIST method itself; Vault takes GET ?list=true alike.
    const list = await vaultRequest(vault, 'GET', '/v1/secret/metadata/app?list=true', {
      token: reader,
    });
    assert.deepEqual((list.body?.data as { keys: string[] }).keys, ['db']);
  });

  it('reads KV v1 with its default lease duration', async () => {
    const answer = await vaultRequest(vault, 'GET', '/v1/kv1/app/api', { token: reader });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body?.data, { key: 'v1-value' });
    assert.equal(answer.body?.lease_duration, 2_764_800);
  });

  it('answers 404 for a path no mount serves and 405 for an unsupported method', async () => {
    const unmounted = await vaultRequest(vault, 'GET', '/v1/nothing/here', { token: reader });
    assert.equal(unmounted.status, 404);
    assert.match((unmounted.body?.errors as string[])[0] ?? '', /no handler for route/);
    vault.writePolicy('admin', [
      { path: '*', capabilities: ['create', 'read', 'update', 'patch', 'delete', 'list'] },
    ]);
    const admin = vault.createToken({ policies: ['admin'] });
    const wrongMethod = await vaultRequest(vault, 'PATCH', '/v1/kv1/app/api', { token: admin });
    assert.equal(wrongMethod.status, 405);
  });

  it('looks a token up and renews it within its max TTL', async () => {
    const token = vault.createToken({ policies: [], ttlSeconds: 100, maxTtlSeconds: 150 });
    const lookup = await vaultRequest(vault, 'GET', '/v1/auth/token/lookup-self', { token });
    const data = lookup.body?.data as Record<string, unknown>;
    assert.equal(data.id, token);
    assert.equal(data.creation_ttl, 100);
    assert.equal(data.renewable, true);
    const realNow = vault.now;
    const start = realNow();
    vault.now = () => start + 90_000;
    try {
      const renew = await vaultRequest(vault, 'POST', '/v1/auth/token/renew-self', {
        token,
        body: { increment: 100 },
      });
      assert.equal(renew.status, 200);
      const auth = renew.body?.auth as Record<string, unknown>;
      assert.equal(auth.client_token, token);
      assert.ok(Number(auth.lease_duration) <= 60 && Number(auth.lease_duration) >= 59);
    } finally {
      vault.now = realNow;
    }
  });

  it('logs in with AppRole and refuses a wrong secret id with 400', async () => {
    const approle = vault.enableAuth('approle', new AppRoleAuth());
    approle.roles.set('app', {
      roleId: 'role-1',
      secretIds: ['secret-1'],
      policies: ['reader'],
      tokenTtlSeconds: 120,
    });
    const login = await vaultRequest(vault, 'POST', '/v1/auth/approle/login', {
      body: { role_id: 'role-1', secret_id: 'secret-1' },
    });
    assert.equal(login.status, 200);
    assert.deepEqual(Object.keys(login.body ?? {}).sort(), envelopeKeys);
    const auth = login.body?.auth as Record<string, unknown>;
    assert.equal(auth.lease_duration, 120);
    assert.deepEqual(auth.policies, ['default', 'reader']);
    const read = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db', {
      token: String(auth.client_token),
    });
    assert.equal(read.status, 200);
    const wrong = await vaultRequest(vault, 'POST', '/v1/auth/approle/login', {
      body: { role_id: 'role-1', secret_id: 'nope' },
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, { errors: ['invalid role or secret ID'] });
    const missing = await vaultRequest(vault, 'POST', '/v1/auth/approle/login', {
      body: { role_id: 'role-1' },
    });
    assert.deepEqual(missing.body, { errors: ['missing secret_id'] });
  });

  it('keeps mounts and tokens per namespace', async () => {
    vault.createNamespace('team-a');
    vault.writePolicy('team-reader', [{ path: 'kv/data/*', capabilities: ['read'] }], 'team-a');
    vault.mountKv('kv', 2, 'team-a').write('app', { owner: 'team-a' });
    const token = vault.createToken({ policies: ['team-reader'], namespace: 'team-a' });
    const inside = await vaultRequest(vault, 'GET', '/v1/kv/data/app', {
      token,
      namespace: 'team-a/',
    });
    assert.equal(inside.status, 200);
    const outside = await vaultRequest(vault, 'GET', '/v1/kv/data/app', { token });
    assert.equal(outside.status, 403);
    const rootToken = await vaultRequest(vault, 'GET', '/v1/kv/data/app', {
      token: reader,
      namespace: 'team-a',
    });
    assert.equal(rootToken.status, 403);
  });

  it('answers 204 to the revocation of an unknown lease and 400 without a lease id', async () => {
    vault.writePolicy('revoker', [{ path: 'sys/leases/revoke', capabilities: ['update'] }]);
    const token = vault.createToken({ policies: ['revoker'] });
    const unknown = await vaultRequest(vault, 'PUT', '/v1/sys/leases/revoke', {
      token,
      body: { lease_id: 'database/creds/app/unknown' },
    });
    assert.equal(unknown.status, 204);
    assert.equal(unknown.text, '');
    const noLease = await vaultRequest(vault, 'PUT', '/v1/sys/leases/revoke', { token, body: {} });
    assert.equal(noLease.status, 400);
  });

  it('revokes a token by its accessor, and answers 400 for an accessor it does not know', async () => {
    vault.writePolicy('accessor-revoker', [
      { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
    ]);
    const revoker = vault.createToken({ policies: ['accessor-revoker'] });
    const target = vault.createToken({ policies: [], ttlSeconds: 600 });
    const accessor = vault.tokens.find(target)!.accessor;
    const revoked = await vaultRequest(vault, 'POST', '/v1/auth/token/revoke-accessor', {
      token: revoker,
      body: { accessor },
    });
    assert.equal(revoked.status, 204);
    assert.equal(vault.tokens.find(target), undefined);
    const again = await vaultRequest(vault, 'POST', '/v1/auth/token/revoke-accessor', {
      token: revoker,
      body: { accessor },
    });
    assert.equal(again.status, 400);
    const denied = await vaultRequest(vault, 'POST', '/v1/auth/token/revoke-accessor', {
      token: reader,
      body: { accessor },
    });
    assert.equal(denied.status, 403);
  });

  it('answers a configured fault status, and recovers', async () => {
    vault.setFault({ status: 503 });
    const failing = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db', { token: reader });
    assert.equal(failing.status, 503);
    vault.setFault(undefined);
    const fine = await vaultRequest(vault, 'GET', '/v1/secret/data/app/db', { token: reader });
    assert.equal(fine.status, 200);
  });
});
