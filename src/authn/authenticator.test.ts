import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';

import { pino } from 'pino';

import { startClientCluster, type ClientClusterOptions } from '../dev/client-cluster.js';
import { FederationError, type Reason } from '../errors.js';
import type { Federation } from '../resources/model.js';
import { Authenticator, type AuthenticatorOptions } from './authenticator.js';

interface SetupOptions {
  authn?: AuthenticatorOptions;
  a?: ClientClusterOptions;
  b?: ClientClusterOptions;
  federationA?: Partial<Federation>;
}

/** Two client clusters with the same default issuer, and an authenticator on a pinned clock. */
async function setup(t: TestContext, options: SetupOptions = {}) {
  const clock = { ms: Date.UTC(2030, 0, 1, 12) };
  const now = () => clock.ms;
  const [a, b] = await Promise.all([
    startClientCluster({ now, ...options.a }),
    startClientCluster({ now, ...options.b }),
  ]);
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
  const authenticator = new Authenticator({ logger, now, ...options.authn });
  t.after(async () => {
    await authenticator.close();
    await Promise.all([a.close(), b.close()]);
  });

  const federationA: Federation = { name: 'cluster-a', url: a.url, ...options.federationA };
  const federationB: Federation = { name: 'cluster-b', url: b.url };
  const authenticate = (
    token: string,
    candidates: Federation[] = [federationA],
    caCert: string | null = a.caPem,
  ) => authenticator.authenticate(token, { caCert: caCert ?? undefined }, candidates);
  return { clock, a, b, federationA, federationB, authenticator, authenticate, logs };
}

async function rejection(promise: Promise<unknown>): Promise<FederationError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FederationError, `expected a FederationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the token to be rejected');
}

async function assertRejected(promise: Promise<unknown>, reason: Reason): Promise<void> {
  assert.equal((await rejection(promise)).reason, reason);
}

function hmacSigner(secret: string | Buffer): (input: Uint8Array) => Uint8Array {
  return (input) => createHmac('sha256', secret).update(input).digest();
}

test('accepts a valid token and returns the identity from its claims', async (t) => {
  const { a, authenticate, clock } = await setup(t);

  const token = a.mintToken({
    namespace: 'app-ns',
    serviceAccount: 'app-sa',
    serviceAccountUid: 'sa-uid',
    pod: { name: 'app-7d9f', uid: 'pod-uid' },
  });
  const identity = await authenticate(token);
  const { jti } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti: string;
  };
  assert.deepEqual(identity, {
    tokenId: jti,
    federation: 'cluster-a',
    issuer: 'https://kubernetes.default.svc.cluster.local',
    subject: 'system:serviceaccount:app-ns:app-sa',
    namespace: 'app-ns',
    serviceAccount: { name: 'app-sa', uid: 'sa-uid' },
    pod: { name: 'app-7d9f', uid: 'pod-uid' },
    expiresAt: clock.ms / 1000 + 3600,
  });
});

test('accepts ca.crt as base64 of the PEM', async (t) => {
  const { a, authenticate, federationA } = await setup(t);

  const caCert = Buffer.from(a.caPem).toString('base64');
  assert.equal((await authenticate(a.mintToken(), [federationA], caCert)).federation, 'cluster-a');
});

test('accepts ES256 tokens of a cluster that signs with an EC key', async (t) => {
  const { a, authenticate } = await setup(t, { a: { algorithm: 'ES256' } });

  assert.equal(
    (await authenticate(a.mintToken())).subject,
    'system:serviceaccount:default:default',
  );
});

test('accepts a token without kid when exactly one key fits its algorithm', async (t) => {
  const { a, authenticate } = await setup(t);

  await authenticate(a.mintToken({ header: { kid: undefined } }));
});

test("rejects a token of cluster B presented through cluster A's federation with the same issuer", async (t) => {
  const { a, b, authenticate, federationA, federationB } = await setup(t);
  assert.equal(a.issuer, b.issuer);
  const token = b.mintToken();

  await assertRejected(authenticate(token, [federationA], a.caPem), 'TokenUnverifiable');
  const identity = await authenticate(token, [federationA, federationB], b.caPem);
  assert.equal(identity.federation, 'cluster-b', 'only the federation whose keys verify wins');
});

test('tries candidates in order and the first that verifies wins', async (t) => {
  const { a, authenticate, federationA } = await setup(t);
  const twin: Federation = { ...federationA, name: 'cluster-a-twin' };

  assert.equal(
    (await authenticate(a.mintToken(), [twin, federationA])).federation,
    'cluster-a-twin',
  );
});

test('rejects HS256 tokens whose secret is the RSA public key as PEM or JWK', async (t) => {
  const { a, authenticate } = await setup(t);
  await authenticate(a.mintToken());
  const secrets = [
    a.signingKey.publicKeyPem,
    Buffer.from(JSON.stringify(a.signingKey.jwk)),
    Buffer.from(a.signingKey.jwk.kty === 'RSA' ? a.signingKey.jwk.n : '', 'base64url'),
  ];

  for (const secret of secrets) {
    for (const kid of [a.signingKey.kid, undefined]) {
      const token = a.mintToken({ header: { alg: 'HS256', kid }, sign: hmacSigner(secret) });
      await assertRejected(authenticate(token), 'TokenUnverifiable');
    }
  }
});

test('rejects unsigned tokens whatever the spelling of none', async (t) => {
  const { a, authenticate } = await setup(t);

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const token = a.mintToken({ header: { alg }, sign: () => new Uint8Array() });
    await assertRejected(authenticate(token), 'TokenUnverifiable');
  }
  assert.equal(a.jwksRequests, 0, 'an unsigned token does not even cause a key fetch');
});

test('rejects a token whose payload was changed after signing', async (t) => {
  const { a, authenticate } = await setup(t);

  const [header, , signature] = a.mintToken({ namespace: 'app-ns' }).split('.');
  const forged = a.mintToken({ namespace: 'kube-system', sign: () => new Uint8Array() });
  const tampered = `${header}.${forged.split('.')[1]}.${signature}`;
  await assertRejected(authenticate(tampered), 'TokenUnverifiable');
});

test('rejects an algorithm that does not match the key type', async (t) => {
  const { a, b, authenticate } = await setup(t, { b: { algorithm: 'ES256' } });

  // Signed correctly by B's EC key, but announced with A's RSA kid.
  const token = b.mintToken({ header: { kid: a.signingKey.kid } });
  await assertRejected(authenticate(token), 'TokenUnverifiable');
  const mislabelled = a.mintToken({ header: { alg: 'ES256' } });
  await assertRejected(authenticate(mislabelled), 'TokenUnverifiable');
});

test('rejects an expired token with TokenExpired, within the clock tolerance it passes', async (t) => {
  const { a, authenticate, clock } = await setup(t);
  const token = a.mintToken({ lifetimeSec: 600 });

  clock.ms += 620_000;
  await authenticate(token);
  clock.ms += 20_000;
  await assertRejected(authenticate(token), 'TokenExpired');
});

test('rejects a token before nbf or iat with TokenNotYetValid', async (t) => {
  const { a, authenticate, clock } = await setup(t);
  const nowSec = clock.ms / 1000;

  await assertRejected(
    authenticate(a.mintToken({ claims: { nbf: nowSec + 120 } })),
    'TokenNotYetValid',
  );
  await assertRejected(
    authenticate(a.mintToken({ issuedAtSec: nowSec + 120, claims: { nbf: undefined } })),
    'TokenNotYetValid',
  );
  await authenticate(a.mintToken({ issuedAtSec: nowSec + 20 }));
});

test('rejects a token without exp or sub, or with a malformed claim, with TokenClaimInvalid', async (t) => {
  const { a, authenticate } = await setup(t);

  for (const claims of [
    { exp: undefined },
    { exp: 'tomorrow' },
    { sub: undefined },
    { sub: 42 },
    { 'kubernetes.io': 'app-ns' },
  ]) {
    await assertRejected(authenticate(a.mintToken({ claims })), 'TokenClaimInvalid');
  }
});

test('rejects a token whose iss differs from the discovery issuer or spec.issuer', async (t) => {
  const { a, authenticate, federationA } = await setup(t);

  const otherIssuer = a.mintToken({ claims: { iss: 'https://elsewhere.example' } });
  await assertRejected(authenticate(otherIssuer), 'TokenClaimInvalid');
  const pinned = { ...federationA, issuer: 'https://pinned.example' };
  await assertRejected(authenticate(a.mintToken(), [pinned]), 'TokenClaimInvalid');
  const pinnedToken = a.mintToken({ claims: { iss: 'https://pinned.example' } });
  assert.equal((await authenticate(pinnedToken, [pinned])).issuer, 'https://pinned.example');
});

test('checks aud against spec.audiences when set, and accepts any aud otherwise', async (t) => {
  const { a, authenticate, federationA } = await setup(t);
  const strict = { ...federationA, audiences: ['https://hub.example', 'vault'] };

  const wrong = await rejection(authenticate(a.mintToken(), [strict]));
  assert.equal(wrong.reason, 'TokenClaimInvalid');
  assert.equal(wrong.message, 'the token claim "aud" is not acceptable');
  await assertRejected(
    authenticate(a.mintToken({ claims: { aud: undefined } }), [strict]),
    'TokenClaimInvalid',
  );
  await authenticate(a.mintToken({ audiences: ['other', 'vault'] }), [strict]);
  await authenticate(a.mintToken({ audiences: ['anything'] }), [federationA]);
});

test('throws the most specific error when no candidate verifies', async (t) => {
  const { a, authenticate, federationA, federationB, clock } = await setup(t);
  const token = a.mintToken({ lifetimeSec: 600 });
  clock.ms += 3600_000;

  await assertRejected(authenticate(token, [federationB, federationA]), 'TokenExpired');
  await assertRejected(authenticate(token, [federationA, federationB]), 'TokenExpired');
});

test('rejects missing, malformed and unclaimed tokens before any key fetch', async (t) => {
  const { a, authenticate } = await setup(t);

  await assertRejected(authenticate(''), 'TokenMissing');
  await assertRejected(authenticate('not-a-jwt'), 'TokenMalformed');
  await assertRejected(authenticate(a.mintToken({ claims: { iss: undefined } })), 'TokenMalformed');
  await assertRejected(authenticate(a.mintToken({ header: { kid: 7 } })), 'TokenMalformed');
  await assertRejected(authenticate(a.mintToken(), []), 'UnknownIssuer');
  assert.equal(a.totalRequests, 0);
});

test('rejects a critical header it does not understand', async (t) => {
  const { a, authenticate } = await setup(t);

  const token = a.mintToken({ header: { crit: ['exp-policy'], 'exp-policy': 'lenient' } });
  await assertRejected(authenticate(token), 'TokenUnverifiable');
});

test('never fetches keys named by jku, x5u or jwk headers', async (t) => {
  const { a, authenticate } = await setup(t);
  const attacker = await startClientCluster({ allowAnonymous: true });
  t.after(() => attacker.close());
  const attackerJwks = `${attacker.url}/openid/v1/jwks`;

  for (const header of [
    { jku: attackerJwks },
    { x5u: `${attacker.url}/cert.pem` },
    { jwk: attacker.signingKey.jwk },
    { jku: attackerJwks, jwk: attacker.signingKey.jwk, kid: undefined },
  ]) {
    const token = attacker.mintToken({ header });
    await assertRejected(authenticate(token), 'TokenUnverifiable');
  }
  assert.equal(attacker.totalRequests, 0);
  assert.equal(attacker.serverNames.length, 0, 'no connection to the attacker at all');
  await authenticate(a.mintToken({ header: { jku: attackerJwks, x5u: attackerJwks } }));
  assert.equal(attacker.totalRequests, 0);
});

test('gives identical messages across runs and never reveals the token', async (t) => {
  const runs: string[][] = [];
  for (let run = 0; run < 2; run += 1) {
    const { a, b, authenticate, federationA, logs, clock } = await setup(t);
    const tokens = [
      a.mintToken({ issuedAtSec: clock.ms / 1000 - 7200, lifetimeSec: 600 }),
      a.mintToken({ claims: { nbf: clock.ms / 1000 + 999 } }),
      a.mintToken({ claims: { iss: 'https://elsewhere.example', jti: randomUUID() } }),
      a.mintToken({ header: { kid: randomUUID() } }),
      b.mintToken(),
      a.mintToken({ claims: { exp: undefined } }),
      a.mintToken({ header: { alg: 'HS256' }, sign: hmacSigner(a.signingKey.publicKeyPem) }),
      `${a.mintToken().slice(0, -4)}AAAA`,
    ];
    clock.ms += 10_000;
    const results: string[] = [];
    for (const token of tokens) {
      const error = await rejection(authenticate(token));
      results.push(JSON.stringify(error.toBody()));
      for (const text of [error.message, String(error.detail), JSON.stringify(error)]) {
        assert.ok(!text.includes(token.split('.')[1] ?? '-'), 'no payload in the error');
        assert.ok(!text.includes('elsewhere'), 'no claim value in the error');
      }
    }
    const unreachable = { ...federationA, url: 'https://localhost:1' };
    const offline = await rejection(authenticate(a.mintToken(), [unreachable]));
    results.push(JSON.stringify(offline.toBody()));
    assert.ok(!offline.message.includes(':1'), 'no port in the message');

    const logText = logs.join('');
    for (const token of tokens) assert.ok(!logText.includes(token.split('.')[1] ?? '-'));
    assert.ok(!logText.includes('"n":'), 'no key material in the log');
    runs.push(results);
  }
  assert.deepEqual(runs[0], runs[1]);
});
