import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { binaryBytes, dbVersionIds, seedMoto } from '../../../test/support/aws-seed.js';
import {
  assumeMotoRole,
  startFailingEndpoint,
  startMoto,
  startSilentEndpoint,
  unreachableEndpoint,
  type Moto,
} from '../../../test/support/moto.js';
import { FederationError, type Reason } from '../../errors.js';
import type { RemoteRef, SecretProvider } from '../provider.js';
import { MapSecretReader } from '../secret-reader.js';
import { awsProvider } from './index.js';

const secrets = new MapSecretReader();
const context = { secrets };

function putKeys(accessKeyId: string, secretAccessKey: string): void {
  secrets.replace(
    new Map([
      ['aws/keys', { id: Buffer.from(accessKeyId), secret: Buffer.from(`${secretAccessKey}\n`) }],
    ]),
  );
}

const secretRef = {
  accessKeyIDSecretRef: { name: 'keys', key: 'id', namespace: 'aws' },
  secretAccessKeySecretRef: { name: 'keys', key: 'secret', namespace: 'aws' },
};

const opened: SecretProvider[] = [];

function store(spec: Record<string, unknown>): SecretProvider {
  const provider = awsProvider.create(
    awsProvider.schema.parse({ region: 'us-east-1', auth: { secretRef }, ...spec }),
    context,
  );
  opened.push(provider);
  return provider;
}

async function rejectsWith(promise: Promise<unknown>, reason: Reason): Promise<FederationError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof FederationError, `expected a FederationError, got ${String(caught)}`);
  assert.equal(caught.reason, reason);
  return caught;
}

/** Points every new client at `url`; a client keeps the endpoint of its first request. */
function useEndpoint(url: string): void {
  process.env.AWS_ENDPOINT_URL = url;
}

describe('aws provider against moto', { timeout: 120_000 }, () => {
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
    await seedMoto(moto);
  });
  beforeEach(() => {
    useEndpoint(moto.url);
    putKeys(moto.credentials.accessKeyId, moto.credentials.secretAccessKey);
  });
  after(async () => {
    for (const provider of opened) await provider.close?.();
    await moto.close();
  });

  describe('SecretsManager', () => {
    const get = (ref: RemoteRef) => store({ service: 'SecretsManager' }).getSecret(ref);

    it('reads the current version of a secret string', async () => {
      assert.equal(JSON.parse(await get({ key: 'app/db' })).password, 'pw-second');
    });

    it('selects a version stage, AWSPREVIOUS and a custom one', async () => {
      const previous = await get({ key: 'app/db', version: 'AWSPREVIOUS', property: 'password' });
      assert.equal(previous, 'pw-first');
      const current = await get({ key: 'app/db', version: 'AWSCURRENT', property: 'password' });
      assert.equal(current, 'pw-second');
      assert.equal(
        await get({ key: 'app/db', version: 'canary', property: 'password' }),
        'pw-canary',
      );
    });

    it('selects a version id written as uuid/<id>', async () => {
      const ref = { key: 'app/db', property: 'password' };
      assert.equal(await get({ ...ref, version: `uuid/${dbVersionIds.first}` }), 'pw-first');
      assert.equal(await get({ ...ref, version: `uuid/${dbVersionIds.canary}` }), 'pw-canary');
    });

    it('selects a nested JSON property', async () => {
      assert.equal(await get({ key: 'app/db', property: 'nested.port' }), '5432');
      await rejectsWith(get({ key: 'app/db', property: 'nested.host' }), 'NotFound');
    });

    it('returns UTF-8 binary as text and other bytes as base64', async () => {
      assert.equal(await get({ key: 'app/binary-text' }), 'binary-but-text');
      assert.equal(await get({ key: 'app/binary' }), binaryBytes.toString('base64'));
    });

    it('fetches the tags with metadataPolicy Fetch', async () => {
      assert.deepEqual(JSON.parse(await get({ key: 'app/db', metadataPolicy: 'Fetch' })), {
        team: 'payments',
      });
      const tag = await get({ key: 'app/db', metadataPolicy: 'Fetch', property: 'team' });
      assert.equal(tag, 'payments');
      await rejectsWith(get({ key: 'app/db', metadataPolicy: 'Fetch', property: 'x' }), 'NotFound');
    });

    it('answers NotFound for a missing secret, stage or version id', async () => {
      await rejectsWith(get({ key: 'app/missing' }), 'NotFound');
      await rejectsWith(get({ key: 'app/db', version: 'no-such-stage' }), 'NotFound');
      const missingId = 'uuid/11111111-1111-4111-8111-00000000ffff';
      await rejectsWith(get({ key: 'app/db', version: missingId }), 'NotFound');
    });

    it('answers InvalidRemoteRef for uuid/ without an id', async () => {
      await rejectsWith(get({ key: 'app/db', version: 'uuid/' }), 'InvalidRemoteRef');
    });

    it('prepends the store prefix to the key', async () => {
      const prefixed = store({ service: 'SecretsManager', prefix: 'app/' });
      assert.equal(await prefixed.getSecret({ key: 'db', property: 'username' }), 'app');
    });

    it('assumes the role named by role', async () => {
      const assumed = store({ service: 'SecretsManager', role: moto.roleArn, externalID: 'ext-1' });
      assert.equal(await assumed.getSecret({ key: 'app/db', property: 'username' }), 'app');
      // A second call reuses the role's credentials even once the base key is gone.
      secrets.replace(new Map());
      assert.equal(await assumed.getSecret({ key: 'app/db', property: 'username' }), 'app');
    });

    it('reads rotated keys from the Secret at call time', async () => {
      const rotating = store({ service: 'SecretsManager' });
      assert.equal(await rotating.getSecret({ key: 'app/db', property: 'username' }), 'app');
      putKeys(moto.credentials.accessKeyId, 'not-the-secret-key');
      await rejectsWith(rotating.getSecret({ key: 'app/db' }), 'BackendError');
      putKeys(moto.credentials.accessKeyId, moto.credentials.secretAccessKey);
      assert.equal(await rotating.getSecret({ key: 'app/db', property: 'username' }), 'app');
    });

    it('signs with the session token named by sessionTokenSecretRef', async () => {
      const temporary = await assumeMotoRole(moto);
      const keys = (sessionToken: string) =>
        secrets.replace(
          new Map([
            [
              'aws/keys',
              {
                id: Buffer.from(temporary.accessKeyId),
                secret: Buffer.from(temporary.secretAccessKey),
                token: Buffer.from(`${sessionToken}\n`),
              },
            ],
          ]),
        );
      const sessionTokenSecretRef = { name: 'keys', key: 'token', namespace: 'aws' };
      const withToken = store({
        service: 'SecretsManager',
        auth: { secretRef: { ...secretRef, sessionTokenSecretRef } },
      });
      keys(temporary.sessionToken);
      assert.equal(await withToken.getSecret({ key: 'app/db', property: 'username' }), 'app');

      // moto checks the token sent with a temporary key: none, or another one, is refused.
      const withoutToken = store({ service: 'SecretsManager' });
      await rejectsWith(withoutToken.getSecret({ key: 'app/db' }), 'BackendError');
      keys('not-the-session-token');
      const error = await rejectsWith(withToken.getSecret({ key: 'app/db' }), 'BackendError');
      assert.doesNotMatch(`${error.message} ${error.detail}`, /not-the-session|ASIA/);
    });

    it('uses the default credential chain when auth is absent', async () => {
      process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
      try {
        const chained = store({ service: 'SecretsManager', auth: undefined });
        assert.equal(await chained.getSecret({ key: 'app/db', property: 'username' }), 'app');
      } finally {
        delete process.env.AWS_ACCESS_KEY_ID;
        delete process.env.AWS_SECRET_ACCESS_KEY;
      }
    });
  });

  describe('ParameterStore', () => {
    const get = (ref: RemoteRef) => store({ service: 'ParameterStore' }).getSecret(ref);

    it('reads a String parameter, its latest and an earlier version', async () => {
      assert.equal(await get({ key: '/app/plain' }), 'plain-v2');
      assert.equal(await get({ key: '/app/plain', version: '1' }), 'plain-v1');
      assert.equal(await get({ key: '/app/plain', version: '2' }), 'plain-v2');
    });

    it('decrypts a SecureString and selects a property', async () => {
      assert.equal(await get({ key: '/app/password', property: 'password' }), 'ssm-secure-value');
    });

    it('fetches the tags with metadataPolicy Fetch', async () => {
      const tags = await get({ key: '/app/password', metadataPolicy: 'Fetch' });
      assert.deepEqual(JSON.parse(tags), { owner: 'platform' });
    });

    it('answers NotFound for a missing parameter or version', async () => {
      await rejectsWith(get({ key: '/app/missing' }), 'NotFound');
      await rejectsWith(get({ key: '/app/plain', version: '9' }), 'NotFound');
    });

    it('answers InvalidRemoteRef for a version SSM cannot name', async () => {
      await rejectsWith(get({ key: '/app/plain', version: '1:2' }), 'InvalidRemoteRef');
    });
  });

  describe('failures', () => {
    const get = () => store({ service: 'SecretsManager' }).getSecret({ key: 'app/db' });

    it('answers BackendError for an unknown access key or a wrong secret key', async () => {
      putKeys('AKIAUNKNOWNUNKNOWN00', moto.credentials.secretAccessKey);
      await rejectsWith(get(), 'BackendError');
      putKeys(moto.credentials.accessKeyId, 'wrong-secret-access-key');
      const error = await rejectsWith(get(), 'BackendError');
      assert.doesNotMatch(`${error.message} ${error.detail}`, /wrong-secret|AKIA/);
    });

    it('answers BackendError when the role cannot be assumed', async () => {
      putKeys('AKIAUNKNOWNUNKNOWN00', 'whatever');
      const assumed = store({ service: 'SecretsManager', role: moto.roleArn });
      const error = await rejectsWith(assumed.getSecret({ key: 'app/db' }), 'BackendError');
      assert.match(error.detail ?? '', /AssumeRole/);
    });

    it('answers StoreNotReady when the credentials Secret is missing', async () => {
      secrets.replace(new Map());
      await rejectsWith(get(), 'StoreNotReady');
    });

    it('answers BackendError for an unreachable endpoint', async () => {
      useEndpoint(await unreachableEndpoint());
      await rejectsWith(get(), 'BackendError');
    });

    it('answers BackendError after retrying a 503', async () => {
      const failing = await startFailingEndpoint(503);
      try {
        useEndpoint(failing.url);
        const error = await rejectsWith(get(), 'BackendError');
        assert.equal(failing.hits, 3);
        assert.doesNotMatch(`${error.message} ${error.detail}`, /must-not-leak/);
      } finally {
        await failing.close();
      }
    });

    it('answers BackendTimeout when the endpoint never answers and the call is aborted', async () => {
      const silent = await startSilentEndpoint();
      try {
        useEndpoint(silent.url);
        const provider = store({ service: 'ParameterStore' });
        const signal = AbortSignal.timeout(1_000);
        await rejectsWith(provider.getSecret({ key: '/app/plain' }, { signal }), 'BackendTimeout');
      } finally {
        await silent.close();
      }
    });

    it('gives up by itself on an endpoint that never answers', async () => {
      const silent = await startSilentEndpoint();
      try {
        useEndpoint(silent.url);
        const started = Date.now();
        await rejectsWith(get(), 'BackendTimeout');
        assert.ok(Date.now() - started < 10_000, 'within the 8 s call deadline');
      } finally {
        await silent.close();
      }
    });
  });
});
