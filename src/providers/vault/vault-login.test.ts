import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

import { AppRoleAuth, JwtAuth, KubernetesAuth } from '../../../test/support/vault/vault-auth.js';
import {
  failsWith,
  secretRef,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault/vault-fixture.js';
import type { SecretProvider } from '../provider.js';
import type { CachedLoginOptions } from './auth/index.js';
import { createVaultProvider, vaultProvider } from './index.js';

const jwtIssuer = 'https://issuer.hub.example.com';

describe('vault provider: logins and cached tokens', () => {
  let fixture: VaultFixture;
  let signingKey: CryptoKey;
  let approle: AppRoleAuth;
  const providers: SecretProvider[] = [];
  /** The clock of the hub's token cache and of the stand-in, moved by the tests. */
  let clockMs = Date.now();

  function store(auth: Record<string, unknown>, options: CachedLoginOptions = {}): SecretProvider {
    const spec = vaultProvider.schema.parse({
      server: fixture.vault.url,
      caBundle: fixture.caBundle,
      path: 'secret',
      auth,
    });
    const provider = createVaultProvider(spec, fixture.context, { now: () => clockMs, ...options });
    providers.push(provider);
    return provider;
  }

  const appRole = (extra: Record<string, unknown> = {}) => ({
    appRole: { roleId: 'role-app', secretRef: secretRef('approle', 'secret-id'), ...extra },
  });
  const readPassword = (provider: SecretProvider) =>
    provider.getSecret({ key: 'app/db', property: 'password' });

  before(async () => {
    fixture = await startVaultFixture();
    const { vault } = fixture;
    vault.now = () => clockMs;
    vault.writePolicy('reader', [{ path: 'secret/data/app/*', capabilities: ['read'] }]);
    vault.mountKv('secret', 2).write('app/db', { password: 'pw-login' });
    vault.mountKv('private', 2).write('x', { a: 'b' });

    approle = vault.enableAuth('approle', new AppRoleAuth());
    approle.roles.set('app', {
      roleId: 'role-app',
      secretIds: ['secret-app'],
      policies: ['reader'],
      tokenTtlSeconds: 60,
      tokenMaxTtlSeconds: 100,
    });
    const kubernetes = vault.enableAuth('k8s-hub', new KubernetesAuth());
    kubernetes.roles.set('hub', { jwts: ['sa-jwt-of-the-hub'], policies: ['reader'] });

    const keys = await generateKeyPair('ES256');
    signingKey = keys.privateKey;
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
    const jwt = vault.enableAuth(
      'jwt',
      new JwtAuth({ jwks: { keys: [jwk] }, boundIssuer: jwtIssuer, defaultRole: 'hub' }),
    );
    jwt.roles.set('hub', { boundAudiences: ['vault'], policies: ['reader'] });

    vault.createNamespace('team-a');
    vault.writePolicy('reader', [{ path: 'secret/data/app/*', capabilities: ['read'] }], 'team-a');
    vault.mountKv('secret', 2, 'team-a').write('app/db', { password: 'pw-team-a' });
    const teamRole = vault.enableAuth('approle', new AppRoleAuth(), 'team-a');
    teamRole.roles.set('team', {
      roleId: 'role-team',
      secretIds: ['secret-team'],
      policies: ['reader'],
    });

    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(jwtIssuer)
      .setAudience('vault')
      .setSubject('system:serviceaccount:hub:federation-server')
      .setExpirationTime('1h')
      .sign(signingKey);
    fixture.secrets.approle = {
      'secret-id': 'secret-app\n',
      'role-id': 'role-app',
      wrong: 'not-the-secret-id',
      team: 'secret-team',
    };
    fixture.secrets.jwts = { kubernetes: 'sa-jwt-of-the-hub', oidc: token, other: 'a.b.c' };
    fixture.refreshSecrets();
  });

  after(async () => {
    await Promise.all(providers.map((provider) => provider.close?.()));
    await fixture.vault.close();
  });

  it('logs in with AppRole once for many reads, concurrent ones included', async () => {
    const provider = store(appRole());
    const before = fixture.vault.loginCount('approle');
    const values = await Promise.all([1, 2, 3, 4, 5].map(() => readPassword(provider)));
    assert.deepEqual(new Set(values), new Set(['pw-login']));
    for (let index = 0; index < 5; index += 1) await readPassword(provider);
    assert.equal(fixture.vault.loginCount('approle') - before, 1);
  });

  it('reads the role id from roleRef', async () => {
    const provider = store({
      appRole: {
        roleRef: secretRef('approle', 'role-id'),
        secretRef: secretRef('approle', 'secret-id'),
      },
    });
    assert.equal(await readPassword(provider), 'pw-login');
  });

  it('renews the token before it expires, and logs in again near its max TTL', async () => {
    const provider = store(appRole());
    const logins = fixture.vault.loginCount('approle');
    const start = clockMs;
    await readPassword(provider);
    assert.equal(fixture.vault.loginCount('approle'), logins + 1);

    clockMs = start + 45_000;
    await readPassword(provider);
    assert.ok(fixture.vault.requests.some((request) => request.path === 'auth/token/renew-self'));
    assert.equal(fixture.vault.loginCount('approle'), logins + 1);

    // Renewed at 45 s, the token cannot outlive its 100 s max TTL: the next refresh logs in.
    clockMs = start + 85_000;
    await readPassword(provider);
    assert.equal(fixture.vault.loginCount('approle'), logins + 2);
    clockMs = Date.now();
  });

  it('logs in again when Vault revoked the cached token, and retries the read once', async () => {
    const provider = store(appRole());
    await readPassword(provider);
    const logins = fixture.vault.loginCount('approle');
    const last = fixture.vault.logins.at(-1)!;
    fixture.vault.tokens.revoke(last.token);
    assert.equal(await readPassword(provider), 'pw-login');
    assert.equal(fixture.vault.loginCount('approle'), logins + 1);
  });

  it('does not log in again for a path the policies do not grant', async () => {
    const provider = store(appRole());
    await readPassword(provider);
    const logins = fixture.vault.loginCount('approle');
    for (let index = 0; index < 3; index += 1) {
      await assert.rejects(provider.getSecret({ key: 'denied' }), failsWith('BackendError'));
    }
    assert.equal(fixture.vault.loginCount('approle'), logins);
    assert.equal(fixture.vault.requests.at(-1)?.path, 'auth/token/lookup-self');
  });

  it('answers BackendError for a wrong secret id, without Vault words in the detail', async () => {
    const provider = store(appRole({ secretRef: secretRef('approle', 'wrong') }));
    await assert.rejects(
      readPassword(provider),
      failsWith('BackendError', (error) => {
        assert.doesNotMatch(`${error.message} ${error.detail}`, /invalid role|secret ID/);
      }),
    );
  });

  it('answers StoreNotReady when the secret id Secret is missing', async () => {
    const provider = store(appRole({ secretRef: secretRef('absent', 'secret-id') }));
    await assert.rejects(readPassword(provider), failsWith('StoreNotReady'));
  });

  it('logs in to auth.namespace when it is set', async () => {
    const spec = vaultProvider.schema.parse({
      server: fixture.vault.url,
      caBundle: fixture.caBundle,
      path: 'secret',
      namespace: 'team-a',
      auth: {
        namespace: 'team-a',
        appRole: { roleId: 'role-team', secretRef: secretRef('approle', 'team') },
      },
    });
    const provider = createVaultProvider(spec, fixture.context);
    providers.push(provider);
    assert.equal(await readPassword(provider), 'pw-team-a');
    assert.deepEqual(fixture.vault.logins.at(-1)?.namespace, 'team-a');
  });

  it('logs in with a Kubernetes service account JWT at its mount path', async () => {
    const provider = store({
      kubernetes: { mountPath: 'k8s-hub', role: 'hub', secretRef: secretRef('jwts', 'kubernetes') },
    });
    assert.equal(await readPassword(provider), 'pw-login');
    await readPassword(provider);
    assert.equal(fixture.vault.loginCount('k8s-hub'), 1);
    const refused = store({
      kubernetes: { mountPath: 'k8s-hub', role: 'hub', secretRef: secretRef('jwts', 'other') },
    });
    await assert.rejects(readPassword(refused), failsWith('BackendError'));
  });

  it('logs in with a JWT, as the named role or the mount default', async () => {
    const named = store({ jwt: { role: 'hub', secretRef: secretRef('jwts', 'oidc') } });
    assert.equal(await readPassword(named), 'pw-login');
    const byDefault = store({ jwt: { secretRef: secretRef('jwts', 'oidc') } });
    assert.equal(await readPassword(byDefault), 'pw-login');
    const forged = store({ jwt: { role: 'hub', secretRef: secretRef('jwts', 'other') } });
    await assert.rejects(readPassword(forged), failsWith('BackendError'));
  });

  it('keeps using a live token while Vault refuses to log in again', async () => {
    const provider = store(appRole());
    const start = clockMs;
    await readPassword(provider);
    clockMs = start + 45_000;
    await readPassword(provider);
    const logins = fixture.vault.loginCount('approle');
    // Past its last renewal's refresh point, with the AppRole mount emptied: logins fail.
    fixture.vault.enableAuth('approle', new AppRoleAuth());
    try {
      clockMs = start + 85_000;
      assert.equal(await readPassword(provider), 'pw-login');
      assert.equal(await readPassword(provider), 'pw-login');
      assert.equal(fixture.vault.loginCount('approle'), logins);
    } finally {
      fixture.vault.enableAuth('approle', approle);
      clockMs = Date.now();
    }
  });
});

describe('vault provider schema', () => {
  const base = { server: 'https://vault.example.com:8200' };
  const token = { tokenSecretRef: { name: 't', key: 'token', namespace: 'hub' } };
  const messageOf = (block: Record<string, unknown>): string => {
    const result = vaultProvider.schema.safeParse(block);
    assert.equal(result.success, false, JSON.stringify(block));
    return result.error!.issues.map((issue) => issue.message).join('; ');
  };

  it('defaults version to v2 and the auth mount paths to Vault defaults', () => {
    const spec = vaultProvider.schema.parse({
      ...base,
      auth: { appRole: { roleId: 'r', secretRef: { name: 's', key: 'k' } } },
    });
    assert.equal(spec.version, 'v2');
    assert.equal(spec.auth.appRole?.path, 'approle');
  });

  it('refuses no auth method, two of them, and unsupported ones by name', () => {
    assert.match(messageOf({ ...base, auth: {} }), /exactly one of/);
    const appRole = { roleId: 'r', secretRef: { name: 's', key: 'k' } };
    assert.match(messageOf({ ...base, auth: { ...token, appRole } }), /exactly one of/);
    assert.match(messageOf({ ...base, auth: { ldap: {} } }), /ldap is not supported/);
  });

  it('refuses both roleId and roleRef, and options the hub cannot honour', () => {
    const both = {
      roleId: 'r',
      roleRef: { name: 'r', key: 'k' },
      secretRef: { name: 's', key: 'k' },
    };
    assert.match(
      messageOf({ ...base, auth: { appRole: both } }),
      /exactly one of roleId and roleRef/,
    );
    assert.match(messageOf({ ...base, auth: token, tls: {} }), /tls .* not supported/);
    const headers = { 'X-Vault-Token': 'x' };
    assert.match(messageOf({ ...base, auth: token, headers }), /headers must not set/);
    assert.match(messageOf({ ...base, auth: token, version: 'v3' }), /v1|v2/);
    assert.match(messageOf({ server: 'ftp://vault', auth: token }), /http or https/);
  });
});
