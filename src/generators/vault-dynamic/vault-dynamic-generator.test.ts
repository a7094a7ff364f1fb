import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startTestPostgres, type TestPostgres } from '../../../test/support/postgres.js';
import { AppRoleAuth } from '../../../test/support/vault/vault-auth.js';
import { defaultCreationStatements } from '../../../test/support/vault/vault-database.js';
import {
  closedPort,
  failsWith,
  secretRef,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault/vault-fixture.js';
import { reasons } from '../../errors.js';
import type { Generator } from '../generator.js';
import { findGenerator } from '../registry.js';
import { vaultDynamicGenerator } from './index.js';

describe('VaultDynamicSecret generator', () => {
  let fixture: VaultFixture;
  let postgres: TestPostgres;

  function generator(spec: Record<string, unknown>, provider: Record<string, unknown> = {}) {
    const parsed = vaultDynamicGenerator.schema.parse({
      path: 'database/creds/app',
      ...spec,
      provider: {
        server: fixture.vault.url,
        caBundle: fixture.caBundle,
        auth: { appRole: { roleId: 'role-gen', secretRef: secretRef('approle', 'secret-id') } },
        ...provider,
      },
    });
    return vaultDynamicGenerator.create(parsed, fixture.context);
  }

  const revokeOf = (built: Generator) => built.revoke!.bind(built);

  before(async () => {
    postgres = await startTestPostgres();
    fixture = await startVaultFixture();
    const { vault } = fixture;
    vault.writePolicy('generator', [
      { path: 'database/creds/*', capabilities: ['read'] },
      { path: 'sys/leases/revoke', capabilities: ['update'] },
      { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
      { path: 'kv1/*', capabilities: ['read', 'create', 'update', 'list'] },
      { path: 'secret/data/*', capabilities: ['read'] },
    ]);
    const database = vault.mountDatabase('database', postgres.admin);
    database.roles.set('app', {
      creationStatements: defaultCreationStatements,
      defaultTtlSeconds: 600,
    });
    vault.mountKv('kv1', 1).write('app/settings', {
      name: 'hub',
      port: 5432,
      enabled: true,
      nested: { a: 1 },
      nothing: null,
    });
    const kv2 = vault.mountKv('secret', 2);
    kv2.write('app', { password: 'first' });
    kv2.write('app', { password: 'second' });
    const approle = vault.enableAuth('approle', new AppRoleAuth());
    approle.roles.set('gen', {
      roleId: 'role-gen',
      secretIds: ['secret-gen'],
      policies: ['generator'],
    });
    approle.roles.set('issued', { roleId: 'role-issued', secretIds: ['s-issued'], policies: [] });
    fixture.secrets.approle = { 'secret-id': 'secret-gen' };
    fixture.refreshSecrets();
  });

  after(async () => {
    await fixture?.vault.close();
    await postgres?.stop();
  });

  it('is registered with its ClusterGenerator key', () => {
    assert.equal(findGenerator('VaultDynamicSecret'), vaultDynamicGenerator);
    assert.equal(vaultDynamicGenerator.clusterGeneratorKey, 'vaultDynamicSecretSpec');
  });

  it('creates a PostgreSQL user that logs in, keeps its lease, and revokes it', async () => {
    const built = generator({});
    const generated = await built.generate();
    const { username, password } = generated.values;
    assert.ok(username && password);
    assert.ok(await postgres.canLogIn(username, password), 'the generated user logs in');
    assert.equal(generated.ttlSeconds, 600);
    const state = generated.providerState as { leaseId: string };
    assert.match(state.leaseId, /^database\/creds\/app\//);
    assert.deepEqual(fixture.vault.leases.ids().includes(state.leaseId), true);

    await revokeOf(built)(generated.providerState);
    assert.equal(await postgres.canLogIn(username, password), false);
    assert.ok(fixture.vault.leases.revoked.includes(state.leaseId));
    // Idempotent: a lease already revoked is no error.
    await revokeOf(built)(generated.providerState);
  });

  it('shares one login between generators of the same provider block', async () => {
    const before = fixture.vault.loginCount('approle');
    // A provider block no other test uses, so that its client starts without a token.
    const block = { headers: { 'x-test-case': 'shared-login' } };
    const first = generator({}, block);
    const rebuilt = generator({}, block);
    const generated = await first.generate();
    await first.generate().then((other) => revokeOf(first)(other.providerState));
    await revokeOf(rebuilt)(generated.providerState);
    assert.equal(fixture.vault.loginCount('approle') - before, 1);
  });

  it('serialises values that are not strings as JSON', async () => {
    const generated = await generator({ path: '/v1/kv1/app/settings' }).generate();
    assert.deepEqual(generated.values, {
      name: 'hub',
      port: '5432',
      enabled: 'true',
      nested: '{"a":1}',
      nothing: 'null',
    });
    assert.equal(generated.providerState, undefined);
  });

  it('sends GET parameters as query parameters', async () => {
    const generated = await generator({
      path: 'secret/data/app',
      parameters: { version: 1 },
    }).generate();
    assert.equal(JSON.parse(generated.values.data ?? '{}').password, 'first');
  });

  it('returns the auth block with resultType Auth, and revokes the token by accessor', async () => {
    const built = generator({
      path: 'auth/approle/login',
      method: 'POST',
      parameters: { role_id: 'role-issued', secret_id: 's-issued' },
      resultType: 'Auth',
    });
    const generated = await built.generate();
    const issued = generated.values.client_token ?? '';
    assert.match(issued, /^hvs\./);
    assert.equal(generated.values.lease_duration, '3600');
    assert.equal(generated.ttlSeconds, 3600);
    assert.deepEqual(JSON.parse(generated.values.policies ?? '[]'), ['default']);
    assert.deepEqual(generated.providerState, { accessor: generated.values.accessor });
    assert.ok(fixture.vault.tokens.find(issued));

    await revokeOf(built)(generated.providerState);
    assert.equal(fixture.vault.tokens.find(issued), undefined);
    // Vault no longer knows the accessor: a second revocation is done already.
    await revokeOf(built)(generated.providerState);
  });

  it('keeps the accessor of a token with resultType Raw or Data, and revokes it', async () => {
    const login = {
      path: 'auth/approle/login',
      method: 'POST',
      parameters: { role_id: 'role-issued', secret_id: 's-issued' },
    };
    for (const spec of [
      { ...login, resultType: 'Raw' },
      { ...login, resultType: 'Data', allowEmptyResponse: true },
    ]) {
      const built = generator(spec);
      const generated = await built.generate();
      const issued = fixture.vault.logins.at(-1)!.token;
      const { accessor } = fixture.vault.tokens.find(issued)!;
      assert.deepEqual(generated.providerState, { accessor }, spec.resultType);
      assert.equal(generated.ttlSeconds, 3600, 'the token TTL');

      const before = fixture.vault.requests.length;
      await revokeOf(built)(generated.providerState);
      assert.deepEqual(
        fixture.vault.requests.slice(before).map((request) => request.path),
        ['auth/token/revoke-accessor'],
      );
      assert.equal(fixture.vault.tokens.find(issued), undefined, spec.resultType);
    }
  });

  it('returns the whole answer with resultType Raw', async () => {
    const generated = await generator({ resultType: 'Raw' }).generate();
    assert.match(generated.values.lease_id ?? '', /^database\/creds\/app\//);
    assert.equal(generated.values.lease_duration, '600');
    assert.ok(JSON.parse(generated.values.data ?? '{}').username);
    await revokeOf(generator({}))(generated.providerState);
  });

  it('lists with LIST, and accepts an empty answer only with allowEmptyResponse', async () => {
    const listed = await generator({ path: 'kv1/app', method: 'LIST' }).generate();
    assert.deepEqual(JSON.parse(listed.values.keys ?? '[]'), ['settings']);
    const write = { path: 'kv1/app/written', method: 'POST', parameters: { a: 'b' } };
    await assert.rejects(generator(write).generate(), failsWith('BackendError'));
    const empty = await generator({ ...write, allowEmptyResponse: true }).generate();
    assert.deepEqual(empty.values, {});
  });

  it('answers BackendError for an unknown role, a denied path and a 5xx, never Vault words', async () => {
    for (const path of ['database/creds/nope', 'sys/mounts']) {
      await assert.rejects(
        generator({ path }).generate(),
        failsWith('BackendError', (error) => {
          assert.equal(error.toBody().message, reasons.BackendError.message);
          assert.doesNotMatch(`${error.detail}`, /unknown role|permission denied/);
        }),
      );
    }
    fixture.vault.setFault({ status: 500 });
    try {
      await assert.rejects(generator({}).generate(), failsWith('BackendError'));
    } finally {
      fixture.vault.setFault(undefined);
    }
  });

  it('answers BackendError for wrong credentials and an unreachable Vault', async () => {
    fixture.secrets.approle = { ...fixture.secrets.approle, wrong: 'not-it' };
    fixture.refreshSecrets();
    const wrongAuth = {
      auth: { appRole: { roleId: 'role-gen', secretRef: secretRef('approle', 'wrong') } },
    };
    await assert.rejects(generator({}, wrongAuth).generate(), failsWith('BackendError'));
    const unreachable = { server: `https://127.0.0.1:${await closedPort()}` };
    await assert.rejects(generator({}, unreachable).generate(), failsWith('BackendError'));
  });

  it('answers BackendTimeout when Vault is slower than the deadline', async () => {
    const built = generator({});
    await built.generate().then((done) => revokeOf(built)(done.providerState));
    fixture.vault.setFault({ delayMs: 2000 });
    try {
      const signal = AbortSignal.timeout(300);
      await assert.rejects(built.generate({ signal }), failsWith('BackendTimeout'));
    } finally {
      fixture.vault.setFault(undefined);
    }
  });

  it('refuses a state without a lease id or accessor, and ignores an empty one', async () => {
    await assert.rejects(revokeOf(generator({}))({ other: 1 }), failsWith('BackendError'));
    await revokeOf(generator({}))(null);
  });
});

describe('VaultDynamicSecret schema', () => {
  const provider = {
    server: 'https://vault.example.com',
    auth: { tokenSecretRef: { name: 't', key: 'token' } },
  };
  const messageOf = (spec: Record<string, unknown>): string => {
    const result = vaultDynamicGenerator.schema.safeParse({ provider, path: 'a/b', ...spec });
    assert.equal(result.success, false, JSON.stringify(spec));
    return result.error!.issues.map((issue) => issue.message).join('; ');
  };

  it('defaults method to GET and resultType to Data', () => {
    const spec = vaultDynamicGenerator.schema.parse({ provider, path: 'database/creds/app' });
    assert.equal(spec.method, 'GET');
    assert.equal(spec.resultType, 'Data');
    assert.equal(spec.allowEmptyResponse, false);
  });

  it('refuses unknown methods and result types, bad paths and misplaced parameters', () => {
    assert.match(messageOf({ method: 'PATCH' }), /method must be one of/);
    assert.match(messageOf({ resultType: 'Token' }), /Data|Auth|Raw/);
    assert.match(messageOf({ path: 'database/../sys' }), /without empty, \. or \.\. segments/);
    assert.match(messageOf({ method: 'LIST', parameters: { a: 'b' } }), /not sent with LIST/);
    assert.match(messageOf({ parameters: { a: { b: 1 } } }), /query parameters/);
    assert.match(messageOf({ provider: undefined }), /expected object/);
  });
});
