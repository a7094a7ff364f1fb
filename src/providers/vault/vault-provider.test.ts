import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { TestCa } from '../../../test/support/test-certificates.js';
import {
  closedPort,
  failsWith,
  secretRef,
  startVaultFixture,
  type VaultFixture,
} from '../../../test/support/vault/vault-fixture.js';
import { reasons } from '../../errors.js';
import type { SecretProvider } from '../provider.js';
import { findProvider } from '../registry.js';
import { vaultProvider } from './index.js';

describe('vault provider: KV reads', () => {
  let fixture: VaultFixture;
  const providers: SecretProvider[] = [];

  function store(block: Record<string, unknown>): SecretProvider {
    const spec = vaultProvider.schema.parse({
      server: fixture.vault.url,
      caBundle: fixture.caBundle,
      auth: { tokenSecretRef: secretRef('vault-token', 'token') },
      ...block,
    });
    const provider = vaultProvider.create(spec, fixture.context);
    providers.push(provider);
    return provider;
  }

  before(async () => {
    fixture = await startVaultFixture();
    const { vault } = fixture;
    vault.writePolicy('reader', [
      { path: 'secret/data/*', capabilities: ['read'] },
      { path: 'secret/metadata/*', capabilities: ['read'] },
      { path: 'kv1/*', capabilities: ['read'] },
    ]);
    const kv2 = vault.mountKv('secret', 2);
    kv2.write('app/db', { password: 'pw-1' });
    kv2.write('app/db', {
      password: 'pw-2',
      nested: { host: 'db.internal', port: 5432 },
      'dotted.key': 'literal',
      encoded: 'aGVsbG8=',
    });
    kv2.setCustomMetadata('app/db', { owner: 'payments', tier: 'gold' });
    kv2.write('app/gone', { a: 'b' });
    kv2.deleteVersions('app/gone', [1]);
    vault.mountKv('kv1', 1).write('app/api', { key: 'v1-value' });
    vault.mountKv('private', 2).write('x', { a: 'b' });

    vault.createNamespace('team-a');
    vault.writePolicy('team', [{ path: 'kv/data/*', capabilities: ['read'] }], 'team-a');
    vault.mountKv('kv', 2, 'team-a').write('app', { owner: 'team-a' });

    fixture.secrets['vault-token'] = {
      token: vault.createToken({ policies: ['reader'], ttlSeconds: 3600 }),
      team: vault.createToken({ policies: ['team'], namespace: 'team-a' }),
      unknown: 'hvs.not-a-token-the-stand-in-issued',
    };
    fixture.secrets['vault-ca'] = { 'ca.crt': vault.caPem };
    fixture.refreshSecrets();
  });

  after(async () => {
    await Promise.all(providers.map((provider) => provider.close?.()));
    await fixture.vault.close();
  });

  it('is registered under spec.provider.vault', () => {
    assert.equal(findProvider('vault'), vaultProvider);
  });

  it('reads the latest KV v2 data as JSON, and one property of it', async () => {
    const provider = store({ path: 'secret' });
    const whole = JSON.parse(await provider.getSecret({ key: 'app/db' })) as Record<
      string,
      unknown
    >;
    assert.equal(whole.password, 'pw-2');
    assert.equal(await provider.getSecret({ key: 'app/db', property: 'password' }), 'pw-2');
    assert.equal(fixture.vault.requests.at(-1)?.path, 'secret/data/app/db');
  });

  it('follows a nested property with dots, and prefers a key that holds the dots', async () => {
    const provider = store({ path: 'secret' });
    assert.equal(
      await provider.getSecret({ key: 'app/db', property: 'nested.host' }),
      'db.internal',
    );
    assert.equal(await provider.getSecret({ key: 'app/db', property: 'nested.port' }), '5432');
    assert.equal(await provider.getSecret({ key: 'app/db', property: 'dotted.key' }), 'literal');
    await assert.rejects(
      provider.getSecret({ key: 'app/db', property: 'nested.absent' }),
      failsWith('NotFound'),
    );
  });

  it('reads an older KV v2 version', async () => {
    const provider = store({ path: 'secret' });
    const ref = { key: 'app/db', property: 'password', version: '1' };
    assert.equal(await provider.getSecret(ref), 'pw-1');
    await assert.rejects(
      provider.getSecret({ ...ref, version: 'latest' }),
      failsWith('InvalidRemoteRef'),
    );
  });

  it('takes the mount from the key when the store has no path', async () => {
    const provider = store({});
    assert.equal(await provider.getSecret({ key: 'secret/app/db', property: 'password' }), 'pw-2');
    await assert.rejects(provider.getSecret({ key: 'app' }), failsWith('InvalidRemoteRef'));
  });

  it('refuses a mount from the key that is a system mount or no plain name, calling nothing', async () => {
    const refused = [
      'auth/token/lookup-self',
      'sys/mounts',
      'identity/oidc/token/hub',
      'cubbyhole/x',
      'audit/x',
      'Sys/mounts',
      '/auth/token/lookup-self',
      'auth%2Ftoken%2Flookup-self?/x',
      'sys#/x',
      'secret?/app/db',
      '../x',
      './secret/app/db',
    ];
    for (const version of ['v1', 'v2']) {
      const provider = store({ version });
      const before = fixture.vault.targets.length;
      for (const key of refused) {
        await assert.rejects(
          provider.getSecret({ key }),
          failsWith('InvalidRemoteRef'),
          `${version} ${key}`,
        );
      }
      assert.deepEqual(fixture.vault.targets.slice(before), [], version);
    }
  });

  it('refuses a system mount below a leading namespace segment of a KV v1 key', async () => {
    const provider = store({ version: 'v1' });
    const before = fixture.vault.targets.length;
    for (const key of ['team-a/auth/token/lookup-self', 'team-a/sub/sys/mounts']) {
      await assert.rejects(provider.getSecret({ key }), failsWith('InvalidRemoteRef'), key);
    }
    assert.deepEqual(fixture.vault.targets.slice(before), []);
    assert.equal(await provider.getSecret({ key: 'kv1/app/api', property: 'key' }), 'v1-value');
  });

  it('returns the custom metadata with metadataPolicy Fetch', async () => {
    const provider = store({ path: 'secret' });
    const metadata = await provider.getSecret({ key: 'app/db', metadataPolicy: 'Fetch' });
    assert.deepEqual(JSON.parse(metadata), { owner: 'payments', tier: 'gold' });
    const tier = await provider.getSecret({
      key: 'app/db',
      metadataPolicy: 'Fetch',
      property: 'tier',
    });
    assert.equal(tier, 'gold');
    assert.equal(fixture.vault.requests.at(-1)?.path, 'secret/metadata/app/db');
  });

  it('applies decodingStrategy to the selected value', async () => {
    const ref = { key: 'app/db', property: 'encoded', decodingStrategy: 'Base64' as const };
    assert.equal(await store({ path: 'secret' }).getSecret(ref), 'hello');
  });

  it('reads KV v1, which has neither versions nor metadata', async () => {
    const provider = store({ path: 'kv1', version: 'v1' });
    assert.equal(await provider.getSecret({ key: 'app/api', property: 'key' }), 'v1-value');
    assert.equal(fixture.vault.requests.at(-1)?.path, 'kv1/app/api');
    await assert.rejects(
      provider.getSecret({ key: 'app/api', version: '1' }),
      failsWith('InvalidRemoteRef'),
    );
    await assert.rejects(
      provider.getSecret({ key: 'app/api', metadataPolicy: 'Fetch' }),
      failsWith('InvalidRemoteRef'),
    );
  });

  it('answers NotFound for a missing secret, a missing version and a deleted one', async () => {
    const provider = store({ path: 'secret' });
    for (const ref of [{ key: 'app/none' }, { key: 'app/db', version: '9' }, { key: 'app/gone' }]) {
      await assert.rejects(provider.getSecret(ref), failsWith('NotFound'), JSON.stringify(ref));
    }
    await assert.rejects(
      store({ path: 'kv1', version: 'v1' }).getSecret({ key: 'app/none' }),
      failsWith('NotFound'),
    );
  });

  it('sends the store namespace as X-Vault-Namespace', async () => {
    const provider = store({
      namespace: 'team-a',
      path: 'kv',
      auth: { tokenSecretRef: secretRef('vault-token', 'team') },
    });
    assert.equal(await provider.getSecret({ key: 'app', property: 'owner' }), 'team-a');
    assert.deepEqual(fixture.vault.requests.at(-1), {
      method: 'GET',
      path: 'kv/data/app',
      namespace: 'team-a',
    });
    // The same token outside its namespace is refused by Vault.
    const outside = store({
      path: 'kv',
      auth: { tokenSecretRef: secretRef('vault-token', 'team') },
    });
    await assert.rejects(outside.getSecret({ key: 'app' }), failsWith('BackendError'));
  });

  it('turns a 403 into BackendError without Vault words in message or detail', async () => {
    const provider = store({ path: 'private' });
    await assert.rejects(
      provider.getSecret({ key: 'x' }),
      failsWith('BackendError', (error) => {
        assert.equal(error.message, reasons.BackendError.message);
        assert.doesNotMatch(`${error.message} ${error.detail}`, /permission denied/);
        assert.equal(error.toBody().message, reasons.BackendError.message);
      }),
    );
  });

  it('refuses a token Vault does not know with BackendError', async () => {
    const provider = store({
      path: 'secret',
      auth: { tokenSecretRef: secretRef('vault-token', 'unknown') },
    });
    await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
  });

  it('answers StoreNotReady when the token Secret is missing', async () => {
    const provider = store({
      path: 'secret',
      auth: { tokenSecretRef: secretRef('absent', 'token') },
    });
    await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('StoreNotReady'));
  });

  it('trusts a CA from caProvider, and fails a server the CA did not sign', async () => {
    const viaSecret = store({
      path: 'secret',
      caBundle: undefined,
      caProvider: { type: 'Secret', name: 'vault-ca', key: 'ca.crt', namespace: 'hub' },
    });
    assert.equal(await viaSecret.getSecret({ key: 'app/db', property: 'password' }), 'pw-2');
    const otherCa = await TestCa.create('not-the-vault-ca');
    const untrusted = store({
      path: 'secret',
      caBundle: Buffer.from(otherCa.pem).toString('base64'),
    });
    await assert.rejects(untrusted.getSecret({ key: 'app/db' }), failsWith('BackendError'));
  });

  it('answers BackendError for a server that is not reachable', async () => {
    const provider = store({ path: 'secret', server: `https://127.0.0.1:${await closedPort()}` });
    await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
  });

  it('answers BackendError for a 5xx, and recovers', async () => {
    const provider = store({ path: 'secret' });
    fixture.vault.setFault({ status: 503 });
    try {
      await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
      fixture.vault.setFault({ status: 500 });
      await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
    } finally {
      fixture.vault.setFault(undefined);
    }
    assert.equal(await provider.getSecret({ key: 'app/db', property: 'password' }), 'pw-2');
  });

  it('sends a KV read 3 times in all on 503, and once on 500', async () => {
    const provider = store({ path: 'secret' });
    const faultedReads = () =>
      fixture.vault.faulted.filter((request) => request.path === 'secret/data/app/db').length;
    try {
      fixture.vault.setFault({ status: 503, path: 'secret/data/app/db' });
      let before = faultedReads();
      await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
      assert.equal(faultedReads() - before, 3, 'the first attempt and 2 retries');
      fixture.vault.setFault({ status: 500, path: 'secret/data/app/db' });
      before = faultedReads();
      await assert.rejects(provider.getSecret({ key: 'app/db' }), failsWith('BackendError'));
      assert.equal(faultedReads() - before, 1, 'a 500 is not transient');
    } finally {
      fixture.vault.setFault(undefined);
    }
  });

  it('answers BackendTimeout when Vault answers after the deadline', async () => {
    const provider = store({ path: 'secret' });
    fixture.vault.setFault({ delayMs: 2000 });
    try {
      const signal = AbortSignal.timeout(300);
      await assert.rejects(
        provider.getSecret({ key: 'app/db' }, { signal }),
        failsWith('BackendTimeout'),
      );
    } finally {
      fixture.vault.setFault(undefined);
    }
  });

  it('refuses remote keys with empty, . or .. segments before calling Vault', async () => {
    const provider = store({ path: 'secret' });
    const before = fixture.vault.requests.length;
    for (const key of ['app//db', 'app/../private/x', 'app/./db']) {
      await assert.rejects(provider.getSecret({ key }), failsWith('InvalidRemoteRef'), key);
    }
    assert.equal(fixture.vault.requests.length, before);
  });
});
