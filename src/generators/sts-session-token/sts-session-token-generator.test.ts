import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import {
  startFailingEndpoint,
  startMoto,
  startSilentEndpoint,
  unreachableEndpoint,
  type Moto,
} from '../../../test/support/moto.js';
import { FederationError, type Reason } from '../../errors.js';
import { MapSecretReader } from '../../providers/secret-reader.js';
import { stsSessionTokenGenerator } from './index.js';

const secrets = new MapSecretReader();

function putKeys(accessKeyId: string, secretAccessKey: string): void {
  const data = { id: Buffer.from(accessKeyId), secret: Buffer.from(secretAccessKey) };
  secrets.replace(new Map([['payments/aws-keys', data]]));
}

// No namespace: a namespaced generator's refs resolve in its own namespace.
const auth = {
  secretRef: {
    accessKeyIDSecretRef: { name: 'aws-keys', key: 'id' },
    secretAccessKeySecretRef: { name: 'aws-keys', key: 'secret' },
  },
};

function generator(spec: Record<string, unknown> = {}) {
  const parsed = stsSessionTokenGenerator.schema.parse({ region: 'us-east-1', auth, ...spec });
  return stsSessionTokenGenerator.create(parsed, { secrets, namespace: 'payments' });
}

async function failsWith(promise: Promise<unknown>, reason: Reason): Promise<FederationError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof FederationError, `expected a FederationError, got ${String(caught)}`);
  assert.equal(caught.reason, reason);
  return caught;
}

describe('STSSessionToken generator against moto', { timeout: 60_000 }, () => {
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
  });
  beforeEach(() => {
    process.env.AWS_ENDPOINT_URL = moto.url;
    putKeys(moto.credentials.accessKeyId, moto.credentials.secretAccessKey);
  });
  after(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await moto.close();
  });

  it('returns temporary credentials under the External Secrets Operator key names', async () => {
    const started = Math.floor(Date.now() / 1000);
    const result = await generator({ requestParameters: { sessionDuration: 900 } }).generate();
    assert.deepEqual(Object.keys(result.values).sort(), [
      'access_key_id',
      'expiration',
      'secret_access_key',
      'session_token',
    ]);
    assert.match(result.values.access_key_id ?? '', /^[A-Z0-9]{16,}$/);
    assert.notEqual(result.values.access_key_id, moto.credentials.accessKeyId);
    assert.ok((result.values.session_token ?? '').length > 20);
    const expiration = Number(result.values.expiration);
    assert.ok(Math.abs(expiration - (started + 900)) <= 5, `expiration ${expiration}`);
    assert.ok(result.ttlSeconds !== undefined && Math.abs(result.ttlSeconds - 900) <= 5);
    assert.equal(result.providerState, undefined);
  });

  it('refuses role and a session token, which AWS refuses for GetSessionToken', () => {
    assert.throws(() => generator({ role: moto.roleArn }), /role is not supported/);
    const withSessionToken = {
      secretRef: {
        ...auth.secretRef,
        sessionTokenSecretRef: { name: 'aws-keys', key: 'session-token' },
      },
    };
    assert.throws(
      () => generator({ auth: withSessionToken }),
      /sessionTokenSecretRef is not supported/,
    );
  });

  it('uses the default credential chain when auth is absent', async () => {
    process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
    try {
      const result = await generator({ auth: undefined }).generate();
      assert.ok(result.values.access_key_id);
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('answers BackendError for wrong credentials, without echoing them', async () => {
    putKeys(moto.credentials.accessKeyId, 'wrong-secret-access-key');
    const error = await failsWith(generator().generate(), 'BackendError');
    assert.doesNotMatch(`${error.message} ${error.detail}`, /wrong-secret/);
    assert.match(error.detail ?? '', /GetSessionToken/);
  });

  it('answers StoreNotReady when the key Secret is missing', async () => {
    secrets.replace(new Map());
    await failsWith(generator().generate(), 'StoreNotReady');
  });

  it('answers BackendError for an unreachable endpoint and after retrying a 503', async () => {
    process.env.AWS_ENDPOINT_URL = await unreachableEndpoint();
    await failsWith(generator().generate(), 'BackendError');
    const failing = await startFailingEndpoint(503);
    try {
      process.env.AWS_ENDPOINT_URL = failing.url;
      await failsWith(generator().generate(), 'BackendError');
      assert.equal(failing.hits, 3);
    } finally {
      await failing.close();
    }
  });

  it('answers BackendTimeout when STS never answers', async () => {
    const silent = await startSilentEndpoint();
    try {
      process.env.AWS_ENDPOINT_URL = silent.url;
      const signal = () => AbortSignal.timeout(500);
      await failsWith(generator().generate({ signal: signal() }), 'BackendTimeout');
    } finally {
      await silent.close();
    }
  });
});

describe('STSSessionToken schema', () => {
  const messages = (spec: unknown) =>
    stsSessionTokenGenerator.schema
      .safeParse(spec)
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

  it('loads an External Secrets Operator manifest', () => {
    const spec = {
      region: 'eu-west-1',
      role: 'arn:aws:iam::123456789012:role/reader',
      auth,
      requestParameters: {
        sessionDuration: 3600,
        serialNumber: 'GAHT12345678',
        tokenCode: '123456',
      },
    };
    assert.deepEqual(messages(spec), []);
  });

  it('refuses IRSA, a duration out of range and an MFA code without its device', () => {
    const jwt = messages({ region: 'r', auth: { jwt: { serviceAccountRef: { name: 'sa' } } } });
    assert.ok(
      jwt.some((line) => /auth.jwt \(IRSA\) is not supported/.test(line)),
      jwt.join(),
    );
    assert.ok(messages({ region: 'r', requestParameters: { sessionDuration: 60 } }).length > 0);
    const mfa = messages({ region: 'r', requestParameters: { tokenCode: '123456' } });
    assert.ok(
      mfa.some((line) => /serialNumber and tokenCode go together/.test(line)),
      mfa.join(),
    );
    assert.ok(messages({ auth }).some((line) => line.startsWith('region:')));
    assert.ok(messages({ region: 'r', unknown: 1 }).length > 0);
  });
});
