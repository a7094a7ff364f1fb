import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';

import { startFailingEndpoint, startMoto, type Moto } from '../../../test/support/moto.js';
import { FederationError } from '../../errors.js';
import { MapSecretReader } from '../../providers/secret-reader.js';
import { ecrAuthorizationTokenGenerator, splitAuthorizationToken } from './index.js';

const secrets = new MapSecretReader();

function putKeys(accessKeyId: string, secretAccessKey: string): void {
  const data = { id: Buffer.from(accessKeyId), secret: Buffer.from(secretAccessKey) };
  secrets.replace(new Map([['registry/aws-keys', data]]));
}

const auth = {
  secretRef: {
    accessKeyIDSecretRef: { name: 'aws-keys', key: 'id', namespace: 'registry' },
    secretAccessKeySecretRef: { name: 'aws-keys', key: 'secret', namespace: 'registry' },
  },
};

function generator(spec: Record<string, unknown> = {}) {
  const parsed = ecrAuthorizationTokenGenerator.schema.parse({
    region: 'eu-west-1',
    auth,
    ...spec,
  });
  // A ClusterGenerator's context: no namespace of its own, so refs name theirs.
  return ecrAuthorizationTokenGenerator.create(parsed, { secrets });
}

function isReason(reason: string) {
  return (error: unknown) => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason);
    return true;
  };
}

describe('ECRAuthorizationToken generator against moto', { timeout: 60_000 }, () => {
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

  it('returns docker login values under the External Secrets Operator key names', async () => {
    const result = await generator({ scope: 'private' }).generate();
    assert.deepEqual(Object.keys(result.values).sort(), [
      'expires_at',
      'password',
      'proxy_endpoint',
      'username',
    ]);
    assert.equal(result.values.username, 'AWS');
    assert.ok((result.values.password ?? '').length > 0);
    assert.doesNotMatch(result.values.password ?? '', /^AWS:/);
    assert.match(result.values.proxy_endpoint ?? '', /^https:\/\/\d{12}\.dkr\.ecr\.eu-west-1\./);
    // moto answers a fixed expiry in 2015; the state's deadline still follows it (1 s floor).
    assert.match(result.values.expires_at ?? '', /^\d{10}$/);
    const expected = Math.max(1, Number(result.values.expires_at) - Math.floor(Date.now() / 1000));
    assert.ok(Math.abs((result.ttlSeconds ?? 0) - expected) <= 2, `ttl ${result.ttlSeconds}`);
  });

  it('assumes the role first when role is set', async () => {
    const result = await generator({ role: moto.roleArn }).generate();
    assert.equal(result.values.username, 'AWS');
  });

  it('answers BackendError for wrong credentials and for a 500', async () => {
    putKeys('AKIAUNKNOWNUNKNOWN00', moto.credentials.secretAccessKey);
    await assert.rejects(generator().generate(), isReason('BackendError'));
    const failing = await startFailingEndpoint(500);
    try {
      process.env.AWS_ENDPOINT_URL = failing.url;
      await assert.rejects(generator().generate(), isReason('BackendError'));
    } finally {
      await failing.close();
    }
  });

  it('answers StoreNotReady for a key Secret ref without a namespace', async () => {
    const noNamespace = {
      secretRef: {
        accessKeyIDSecretRef: { name: 'aws-keys', key: 'id' },
        secretAccessKeySecretRef: { name: 'aws-keys', key: 'secret' },
      },
    };
    await assert.rejects(generator({ auth: noNamespace }).generate(), isReason('StoreNotReady'));
  });
});

describe('ECRAuthorizationToken spec and token', () => {
  it('refuses the public scope with a message saying what works', () => {
    const result = ecrAuthorizationTokenGenerator.schema.safeParse({
      region: 'us-east-1',
      scope: 'public',
    });
    assert.match(result.error?.issues[0]?.message ?? '', /only the `private` scope is supported/);
  });

  it('splits a token at its first colon only', () => {
    const token = Buffer.from('AWS:pass:with:colons').toString('base64');
    assert.deepEqual(splitAuthorizationToken(token), {
      username: 'AWS',
      password: 'pass:with:colons',
    });
    assert.throws(() => splitAuthorizationToken(Buffer.from('nocolon').toString('base64')));
  });
});
