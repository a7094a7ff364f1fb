import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CoreSecretsApi, type CoreApiFault } from '../../../test/support/core-secrets-api.js';
import { TestCa } from '../../../test/support/test-certificates.js';
import { FederationError, type Reason } from '../../errors.js';
import type { RemoteRef, SecretProvider } from '../provider.js';
import { MapSecretReader, type SecretValues } from '../secret-reader.js';
import { kubernetesProvider } from './index.js';

const token = 'remote-token-0123456789';

function failsWith(reason: Reason) {
  return (error: unknown) => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason);
    return true;
  };
}

function secretsOf(entries: Record<string, Record<string, string>>): SecretValues {
  return new Map(
    Object.entries(entries).map(([name, data]) => [
      name,
      Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value)])),
    ]),
  );
}

describe('kubernetes provider', () => {
  let api: CoreSecretsApi;
  const reader = new MapSecretReader();
  const providers: SecretProvider[] = [];
  const credentials: Record<string, Record<string, string>> = {};

  /** Runs `body` with one credentials Secret replaced, then puts the original back. */
  async function withSecret(name: string, data: Record<string, string>, body: () => Promise<void>) {
    reader.replace(secretsOf({ ...credentials, [name]: data }));
    try {
      await body();
    } finally {
      reader.replace(secretsOf(credentials));
    }
  }

  function store(block: Record<string, unknown>): SecretProvider {
    const spec = kubernetesProvider.schema.parse(block);
    const provider = kubernetesProvider.create(spec, { secrets: reader });
    providers.push(provider);
    return provider;
  }

  function tokenStore(extra: Record<string, unknown> = {}): SecretProvider {
    return store({
      server: { url: api.url, caBundle: Buffer.from(api.caPem).toString('base64') },
      auth: { token: { bearerToken: { name: 'remote', key: 'token', namespace: 'hub' } } },
      remoteNamespace: 'payments',
      ...extra,
    });
  }

  before(async () => {
    api = await CoreSecretsApi.start();
    api.tokens.set(token, ['payments']);
    api.clientNames.set('hub-reader', ['payments']);
    api.setSecret('payments', 'db', {
      data: { username: 'app', password: 'pw-remote-1', encoded: 'aGVsbG8=' },
      labels: { team: 'payments' },
      annotations: { owner: 'ops' },
    });
    api.setSecret('default', 'db', { data: { username: 'default-ns' } });
    const client = await api.issueClientCertificate('hub-reader');
    const stranger = await api.issueClientCertificate('stranger');
    Object.assign(credentials, {
      'hub/remote': { token, 'wrong-token': 'not-a-known-token' },
      'hub/client': { 'tls.crt': client.certPem, 'tls.key': client.keyPem },
      'hub/stranger': { 'tls.crt': stranger.certPem, 'tls.key': stranger.keyPem },
      'hub/mismatch': { 'tls.crt': client.certPem, 'tls.key': stranger.keyPem },
      'hub/ca': { 'ca.crt': api.caPem },
    });
    reader.replace(secretsOf(credentials));
  });

  after(async () => {
    await Promise.all(providers.map((provider) => provider.close?.()));
    await api.close();
  });

  it('returns one data key, decoded, for a property', async () => {
    assert.equal(await tokenStore().getSecret({ key: 'db', property: 'password' }), 'pw-remote-1');
    assert.equal(api.requests.at(-1)?.path, '/api/v1/namespaces/payments/secrets/db');
    assert.equal(api.requests.at(-1)?.auth, 'token');
  });

  it('returns the whole Secret as a JSON object of decoded strings without property', async () => {
    const value = await tokenStore().getSecret({ key: 'db' });
    assert.deepEqual(JSON.parse(value), {
      username: 'app',
      password: 'pw-remote-1',
      encoded: 'aGVsbG8=',
    });
  });

  it('applies decodingStrategy to the selected value', async () => {
    const ref: RemoteRef = { key: 'db', property: 'encoded', decodingStrategy: 'Base64' };
    assert.equal(await tokenStore().getSecret(ref), 'hello');
  });

  it('returns labels and annotations with metadataPolicy Fetch', async () => {
    const provider = tokenStore();
    const metadata = await provider.getSecret({ key: 'db', metadataPolicy: 'Fetch' });
    assert.deepEqual(JSON.parse(metadata), {
      labels: { team: 'payments' },
      annotations: { owner: 'ops' },
    });
    const ref: RemoteRef = { key: 'db', metadataPolicy: 'Fetch', property: 'labels.team' };
    assert.equal(await provider.getSecret(ref), 'payments');
  });

  it('reads the namespace `default` when remoteNamespace is absent', async () => {
    api.tokens.set('default-reader', ['default']);
    await withSecret('hub/remote', { token: 'default-reader' }, async () => {
      const provider = tokenStore({ remoteNamespace: undefined });
      assert.equal(await provider.getSecret({ key: 'db', property: 'username' }), 'default-ns');
    });
  });

  it('answers NotFound for a missing Secret or data key', async () => {
    await assert.rejects(tokenStore().getSecret({ key: 'nope' }), failsWith('NotFound'));
    await assert.rejects(
      tokenStore().getSecret({ key: 'db', property: 'nope' }),
      failsWith('NotFound'),
    );
    await assert.rejects(
      tokenStore().getSecret({ key: 'db', property: 'constructor' }),
      failsWith('NotFound'),
    );
  });

  it('refuses keys that are not Secret names, and versions, before any request', async () => {
    const before = api.requests.length;
    for (const key of ['../../secrets', 'a/b', 'UPPER', '']) {
      await assert.rejects(tokenStore().getSecret({ key }), failsWith('InvalidRemoteRef'));
    }
    await assert.rejects(
      tokenStore().getSecret({ key: 'db', version: '2' }),
      failsWith('InvalidRemoteRef'),
    );
    assert.equal(api.requests.length, before);
  });

  it('uses a rotated token at the next call without being rebuilt', async () => {
    const provider = tokenStore();
    assert.equal(await provider.getSecret({ key: 'db', property: 'username' }), 'app');
    await withSecret('hub/remote', { token: 'revoked-token' }, async () => {
      await assert.rejects(provider.getSecret({ key: 'db' }), failsWith('BackendError'));
    });
  });

  it('answers BackendError for a wrong token and for a forbidden namespace', async () => {
    const wrong = tokenStore({
      auth: { token: { bearerToken: { name: 'remote', key: 'wrong-token', namespace: 'hub' } } },
    });
    await assert.rejects(wrong.getSecret({ key: 'db' }), (error: unknown) => {
      failsWith('BackendError')(error);
      assert.equal((error as FederationError).detail, 'API server answered 401');
      return true;
    });
    const forbidden = tokenStore({ remoteNamespace: 'kube-system' });
    await assert.rejects(forbidden.getSecret({ key: 'db' }), failsWith('BackendError'));
  });

  it('answers BackendError when the server certificate is not from the trusted CA', async () => {
    const before = api.requests.length;
    const systemRoots = tokenStore({ server: { url: api.url } });
    await assert.rejects(systemRoots.getSecret({ key: 'db' }), failsWith('BackendError'));
    const otherCa = await TestCa.create('some-other-ca');
    const wrongCa = tokenStore({
      server: { url: api.url, caBundle: Buffer.from(otherCa.pem).toString('base64') },
    });
    await assert.rejects(wrongCa.getSecret({ key: 'db' }), failsWith('BackendError'));
    // The handshake failed: the token was never sent.
    assert.equal(api.requests.length, before);
  });

  it('reads the CA from a Secret with caProvider', async () => {
    const provider = tokenStore({
      server: {
        url: api.url,
        caProvider: { type: 'Secret', name: 'ca', key: 'ca.crt', namespace: 'hub' },
      },
    });
    assert.equal(await provider.getSecret({ key: 'db', property: 'username' }), 'app');
  });

  it('authenticates with a client certificate', async () => {
    const certStore = (name: string) =>
      tokenStore({
        auth: {
          cert: {
            clientCert: { name, key: 'tls.crt', namespace: 'hub' },
            clientKey: { name, key: 'tls.key', namespace: 'hub' },
          },
        },
      });
    assert.equal(await certStore('client').getSecret({ key: 'db', property: 'username' }), 'app');
    assert.equal(api.requests.at(-1)?.auth, 'cert');
    await assert.rejects(certStore('stranger').getSecret({ key: 'db' }), failsWith('BackendError'));
    await assert.rejects(
      certStore('mismatch').getSecret({ key: 'db' }),
      failsWith('StoreNotReady'),
    );
  });

  it('answers StoreNotReady when a credentials Secret or key is missing', async () => {
    const missing = tokenStore({
      auth: { token: { bearerToken: { name: 'absent', key: 'token', namespace: 'hub' } } },
    });
    await assert.rejects(missing.getSecret({ key: 'db' }), failsWith('StoreNotReady'));
    const noNamespace = tokenStore({
      auth: { token: { bearerToken: { name: 'remote', key: 'token' } } },
    });
    await assert.rejects(noNamespace.getSecret({ key: 'db' }), failsWith('StoreNotReady'));
  });

  it('answers BackendError for a 5xx and BackendTimeout when the caller gives up', async () => {
    api.fault = 'status500';
    try {
      await assert.rejects(tokenStore().getSecret({ key: 'db' }), failsWith('BackendError'));
      api.fault = { slowMs: 2000 };
      const signal = AbortSignal.timeout(200);
      await assert.rejects(
        tokenStore().getSecret({ key: 'db' }, { signal }),
        failsWith('BackendTimeout'),
      );
    } finally {
      api.fault = 'none';
    }
  });

  it('sends a read 3 times in all on 429 and 503, and once on 500 and 403', async () => {
    const attempts = async (fault: CoreApiFault, provider = tokenStore()) => {
      api.fault = fault;
      const before = api.requests.length;
      try {
        await assert.rejects(provider.getSecret({ key: 'db' }), failsWith('BackendError'));
      } finally {
        api.fault = 'none';
      }
      return api.requests.length - before;
    };
    assert.equal(await attempts({ status: 503 }), 3, 'the first attempt and 2 retries');
    assert.equal(await attempts({ status: 429 }), 3);
    assert.equal(await attempts('status500'), 1, 'a 500 is not transient');
    const forbidden = tokenStore({ remoteNamespace: 'default' });
    assert.equal(await attempts('none', forbidden), 1, 'nor is a refusal');
  });

  it('answers BackendError when the API server is unreachable', async () => {
    const provider = tokenStore({
      server: { url: 'https://127.0.0.1:1', caBundle: Buffer.from(api.caPem).toString('base64') },
    });
    await assert.rejects(provider.getSecret({ key: 'db' }), failsWith('BackendError'));
  });
});

describe('kubernetes provider schema', () => {
  const parse = (block: unknown) => kubernetesProvider.schema.safeParse(block);
  const messages = (block: unknown) =>
    parse(block).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
  const tokenAuth = { token: { bearerToken: { name: 's', key: 'token', namespace: 'hub' } } };

  it('loads an External Secrets Operator manifest and defaults remoteNamespace', async () => {
    const ca = await TestCa.create('schema-test-ca');
    const result = parse({
      server: { url: 'https://10.0.0.1:6443', caBundle: Buffer.from(ca.pem).toString('base64') },
      auth: tokenAuth,
    });
    assert.equal(result.success, true, JSON.stringify(result.error?.issues));
    assert.equal(result.data?.remoteNamespace, 'default');
  });

  it('refuses serviceAccount auth and authRef with a message saying what to use', () => {
    const sa = messages({
      server: { url: 'https://k' },
      auth: { serviceAccount: { name: 'reader' } },
    });
    assert.ok(
      sa.some((line) => /auth.serviceAccount: serviceAccount auth is not supported/.test(line)),
    );
    const authRef = messages({
      server: { url: 'https://k' },
      auth: tokenAuth,
      authRef: { name: 'kubeconfig', key: 'config' },
    });
    assert.ok(authRef.some((line) => /^authRef: authRef .* is not supported/.test(line)));
  });

  it('refuses a ConfigMap caProvider, plain http, and zero or two auth methods', () => {
    assert.ok(
      messages({
        server: { url: 'https://k', caProvider: { type: 'ConfigMap', name: 'c', key: 'k' } },
        auth: tokenAuth,
      }).some((line) => /server.caProvider.type: only `Secret` is supported/.test(line)),
    );
    assert.ok(
      messages({ server: { url: 'http://k' }, auth: tokenAuth }).some((line) =>
        /server.url: must be an https:\/\/ URL/.test(line),
      ),
    );
    assert.equal(parse({ server: { url: 'https://k' }, auth: {} }).success, false);
    const both = {
      ...tokenAuth,
      cert: { clientCert: { name: 'c', key: 'c' }, clientKey: { name: 'c', key: 'k' } },
    };
    assert.equal(parse({ server: { url: 'https://k' }, auth: both }).success, false);
  });

  it('refuses a caBundle that holds no certificate, and unknown fields', () => {
    assert.equal(
      parse({ server: { url: 'https://k', caBundle: 'bm90IGEgY2VydA==' }, auth: tokenAuth })
        .success,
      false,
    );
    assert.equal(parse({ server: { url: 'https://k' }, auth: tokenAuth, extra: 1 }).success, false);
  });
});
