import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';

import { pino } from 'pino';

import { createClusterTLS } from '../dev/cluster-ca.js';
import {
  startClientCluster,
  type ClientCluster,
  type ClientClusterOptions,
  type Outage,
} from '../dev/client-cluster.js';
import { FederationError, type Reason } from '../errors.js';
import type { Federation } from '../resources/model.js';
import { Authenticator, type AuthenticatorOptions } from './authenticator.js';

interface SetupOptions {
  authn?: AuthenticatorOptions;
  a?: ClientClusterOptions;
  federationA?: Partial<Federation>;
}

const minute = 60_000;

/** Two client clusters with the same default issuer, and an authenticator on a pinned clock. */
async function setup(t: TestContext, options: SetupOptions = {}) {
  const clock = { ms: Date.UTC(2030, 0, 1, 12) };
  const now = () => clock.ms;
  const [a, b] = await Promise.all([
    startClientCluster({ now, ...options.a }),
    startClientCluster({ now }),
  ]);
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  const authenticator = new Authenticator({ logger, now, fetchTimeoutMs: 1000, ...options.authn });
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
  const messages = () => logs.map((entry) => String(entry.msg));
  return { clock, a, b, federationA, federationB, authenticator, authenticate, logs, messages };
}

async function assertRejected(promise: Promise<unknown>, reason: Reason): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FederationError, `expected a FederationError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

function fetches(cluster: ClientCluster): [number, number] {
  return [cluster.discoveryRequests, cluster.jwksRequests];
}

async function eventually(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 300 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(condition(), 'condition not met in time');
}

test("forwards the caller's token as bearer to discovery and JWKS", async (t) => {
  const { a, authenticate } = await setup(t);

  const token = a.mintToken();
  await authenticate(token);
  assert.deepEqual(a.bearerTokens, [token, token]);
  assert.deepEqual(a.requestLog, ['GET /.well-known/openid-configuration', 'GET /openid/v1/jwks']);
});

test('fetches the JWKS from its own URL plus the path and query of jwks_uri', async (t) => {
  const attacker = await startClientCluster({ allowAnonymous: true });
  t.after(() => attacker.close());
  const { a, authenticate } = await setup(t, {
    a: { jwksUri: `https://127.0.0.1:${new URL(attacker.url).port}/openid/v1/jwks?scope=all` },
  });

  await authenticate(a.mintToken());
  assert.deepEqual(a.requestLog, [
    'GET /.well-known/openid-configuration',
    'GET /openid/v1/jwks?scope=all',
  ]);
  assert.equal(attacker.totalRequests, 0, 'the advertised host is never contacted');
});

test('never contacts the in-cluster address of the default jwks_uri', async (t) => {
  const { a, authenticate } = await setup(t);

  // Reaching for 10.96.0.1 would fail or time out: success means our own URL was used.
  await authenticate(a.mintToken());
  assert.equal(a.jwksRequests, 1);
  assert.ok(a.requestLog.includes('GET /openid/v1/jwks'));
});

test('fetches keys from spec.jwksURL and sends the token only to the API server origin', async (t) => {
  const { authenticator, clock } = await setup(t);
  const tls = await createClusterTLS();
  const now = () => clock.ms;
  const keyServer = await startClientCluster({ tls, now, allowAnonymous: true });
  const apiServer = await startClientCluster({ tls, now });
  t.after(() => Promise.all([keyServer.close(), apiServer.close()]));
  const federation: Federation = {
    name: 'eks',
    url: apiServer.url,
    jwksURL: `${keyServer.url}/openid/v1/jwks`,
  };

  const token = keyServer.mintToken();
  await authenticator.authenticate(token, { caCert: tls.caPem }, [federation]);
  assert.deepEqual([apiServer.discoveryRequests, apiServer.jwksRequests], [1, 0]);
  assert.deepEqual(apiServer.bearerTokens, [token]);
  assert.equal(keyServer.jwksRequests, 1);
  assert.deepEqual(keyServer.bearerTokens, [], 'the token never goes to another origin');
});

test('skips discovery when spec.issuer and spec.jwksURL are both set', async (t) => {
  const { a, authenticate } = await setup(t);
  const federation: Federation = {
    name: 'cluster-a',
    url: a.url,
    issuer: a.issuer,
    jwksURL: `${a.url}/openid/v1/jwks`,
  };

  await authenticate(a.mintToken(), [federation]);
  assert.deepEqual(fetches(a), [0, 1]);
});

test('fetches discovery and JWKS once for 100 concurrent first requests', async (t) => {
  const { a, authenticate } = await setup(t);

  const tokens = Array.from({ length: 100 }, (_, index) =>
    a.mintToken({ serviceAccount: `sa-${index}` }),
  );
  const identities = await Promise.all(tokens.map((token) => authenticate(token)));
  assert.equal(identities.length, 100);
  assert.deepEqual(fetches(a), [1, 1]);
});

test('verifies sequential requests from the cache, whatever ca.crt they carry', async (t) => {
  const { a, authenticate, federationA } = await setup(t);
  const base64 = Buffer.from(a.caPem).toString('base64');

  for (let index = 0; index < 20; index += 1) {
    await authenticate(a.mintToken(), [federationA], index % 2 === 0 ? a.caPem : base64);
  }
  await authenticate(a.mintToken(), [federationA], null);
  assert.deepEqual(fetches(a), [1, 1]);
});

test('works on the very first request with a ca.crt never seen before', async (t) => {
  const { a, b, authenticate, federationA, federationB } = await setup(t);

  await authenticate(a.mintToken(), [federationA], a.caPem);
  assert.equal((await authenticate(b.mintToken(), [federationB], b.caPem)).federation, 'cluster-b');
  assert.deepEqual(fetches(b), [1, 1]);
});

test('fails with IssuerUnreachable when ca.crt is not the CA of the API server', async (t) => {
  const { a, b, authenticate, federationA, logs } = await setup(t);

  await assertRejected(authenticate(a.mintToken(), [federationA], b.caPem), 'IssuerUnreachable');
  assert.equal(a.totalRequests, 0);
  const failure = logs.find((entry) => entry.msg === 'issuer keys fetch failed');
  assert.equal(failure?.failure, 'tls');
  assert.equal(failure?.federation, 'cluster-a');
});

test('fails with InvalidCACert when ca.crt is not a certificate', async (t) => {
  const { a, authenticate, federationA } = await setup(t);

  await assertRejected(
    authenticate(a.mintToken(), [federationA], 'not a certificate'),
    'InvalidCACert',
  );
});

test('fails closed without any CA and says so in the log', async (t) => {
  const { a, authenticate, federationA, messages } = await setup(t);

  await assertRejected(authenticate(a.mintToken(), [federationA], null), 'IssuerUnreachable');
  assert.equal(a.totalRequests, 0);
  assert.ok(messages().some((message) => message.startsWith('no CA to reach the issuer')));
});

test('trusts only a pinned caBundle and ignores the request ca.crt', async (t) => {
  const { a, b, authenticate, federationA } = await setup(t);
  const pinned: Federation = { ...federationA, caBundle: a.caPem };

  await authenticate(a.mintToken(), [pinned], 'garbage that is never parsed');
  await authenticate(a.mintToken(), [pinned], b.caPem);

  const wronglyPinned: Federation = { ...federationA, name: 'wrong', caBundle: b.caPem };
  await assertRejected(authenticate(a.mintToken(), [wronglyPinned], a.caPem), 'IssuerUnreachable');
});

test('warns once for a federation without caBundle', async (t) => {
  const { a, authenticate, messages } = await setup(t);

  for (let index = 0; index < 3; index += 1) await authenticate(a.mintToken());
  const warnings = messages().filter((message) => message.includes('no caBundle'));
  assert.equal(warnings.length, 1);
});

test('rejects federations without caBundle when the server requires one', async (t) => {
  const { a, authenticate, federationA, messages } = await setup(t, {
    authn: { requireCABundle: true },
  });

  await assertRejected(authenticate(a.mintToken()), 'IssuerUnreachable');
  assert.equal(a.totalRequests, 0);
  assert.ok(messages().some((message) => message.includes('requires a caBundle')));
  await authenticate(a.mintToken(), [{ ...federationA, caBundle: a.caPem }], null);
});

test('sends the host name without port as SNI', async (t) => {
  const { a, authenticate } = await setup(t);

  await authenticate(a.mintToken());
  assert.ok(a.serverNames.length > 0);
  for (const name of a.serverNames) assert.equal(name, 'localhost');
});

test('refreshes at most once per cooldown for unknown kids', async (t) => {
  const { a, authenticate, clock } = await setup(t);
  await authenticate(a.mintToken());

  for (let index = 0; index < 50; index += 1) {
    const token = a.mintToken({ header: { kid: randomUUID() } });
    await assertRejected(authenticate(token), 'TokenUnverifiable');
  }
  assert.deepEqual(fetches(a), [2, 2]);

  clock.ms += 5000;
  await assertRejected(authenticate(a.mintToken({ header: { kid: 'x' } })), 'TokenUnverifiable');
  assert.deepEqual(fetches(a), [3, 3]);
});

test('accepts a rotated key at once and keeps the old one while it is listed', async (t) => {
  const { a, authenticate } = await setup(t);
  const oldToken = a.mintToken();
  await authenticate(oldToken);

  await a.rotateKey();
  await authenticate(a.mintToken());
  assert.deepEqual(fetches(a), [2, 2]);
  await authenticate(oldToken);
  assert.deepEqual(fetches(a), [2, 2]);
});

test('refreshes in the background once keys are older than the refresh interval', async (t) => {
  const { a, authenticate, clock } = await setup(t, { authn: { refreshIntervalMs: 5 * minute } });
  const oldToken = a.mintToken();
  await authenticate(oldToken);
  await a.rotateKey({ dropOld: true });

  clock.ms += 5 * minute;
  await authenticate(oldToken);
  await eventually(() => a.jwksRequests === 2);
  await authenticate(a.mintToken());
  assert.deepEqual(fetches(a), [2, 2]);
});

for (const outage of [
  'refuse',
  'status500',
  'garbage',
  'emptyKeys',
  { slowMs: 3000 },
] as Outage[]) {
  const name = typeof outage === 'string' ? outage : 'slow';

  test(`keeps verifying with cached keys during a ${name} outage`, async (t) => {
    const { a, authenticate, clock, logs } = await setup(t);
    await authenticate(a.mintToken());

    a.setOutage(outage);
    clock.ms += 10 * minute;
    await authenticate(a.mintToken());
    await eventually(() =>
      logs.some(
        (entry) => entry.msg === 'issuer keys fetch failed' && entry.hasCachedKeys === true,
      ),
    );
    await authenticate(a.mintToken());
  });

  test(`fails with IssuerUnreachable on a first fetch during a ${name} outage`, async (t) => {
    const { a, authenticate } = await setup(t);
    a.setOutage(outage);

    await assertRejected(authenticate(a.mintToken()), 'IssuerUnreachable');
  });
}

test('fails closed once cached keys are older than maxStale and the issuer is down', async (t) => {
  const { a, authenticate, clock } = await setup(t, { authn: { maxStaleMs: 60 * minute } });
  await authenticate(a.mintToken());
  a.setOutage('status500');

  clock.ms += 59 * minute;
  await authenticate(a.mintToken());
  clock.ms += 2 * minute;
  await assertRejected(authenticate(a.mintToken()), 'IssuerUnreachable');

  a.setOutage('none');
  await authenticate(a.mintToken());
});

test('does not retry a failed background refresh before the cooldown', async (t) => {
  const { a, authenticate, clock } = await setup(t);
  await authenticate(a.mintToken());
  a.setOutage('status500');
  clock.ms += 10 * minute;

  await authenticate(a.mintToken());
  await eventually(() => a.discoveryRequests === 2);
  for (let index = 0; index < 10; index += 1) await authenticate(a.mintToken());
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(a.discoveryRequests, 2);
});

test('drops the keys of deleted or changed federations on retain', async (t) => {
  const { a, b, authenticator, authenticate, federationA, federationB } = await setup(t);
  await authenticate(a.mintToken());
  await authenticate(b.mintToken(), [federationB], b.caPem);

  authenticator.retain(new Map([['cluster-b', federationB]]));
  await authenticate(a.mintToken());
  await authenticate(b.mintToken(), [federationB], b.caPem);
  assert.deepEqual(fetches(a), [2, 2]);
  assert.deepEqual(fetches(b), [1, 1]);

  const changed = { ...federationA, jwksURL: `${a.url}/openid/v1/jwks` };
  authenticator.retain(new Map([['cluster-a', changed]]));
  await authenticate(a.mintToken(), [changed]);
  assert.deepEqual(fetches(a), [3, 3]);
});

test('fetches again when a federation changes before retain is called', async (t) => {
  const { a, authenticate, federationA } = await setup(t);
  await authenticate(a.mintToken());

  await authenticate(a.mintToken(), [{ ...federationA, caBundle: a.caPem }]);
  assert.deepEqual(fetches(a), [2, 2]);
  await authenticate(a.mintToken(), [
    { ...federationA, audiences: ['https://kubernetes.default.svc.cluster.local'] },
  ]);
  assert.deepEqual(fetches(a), [3, 3], 'the earlier settings came back: a new set again');
});

test('logs fetches with federation, issuer and duration but never the token', async (t) => {
  const { a, authenticate, logs } = await setup(t);

  const token = a.mintToken();
  await authenticate(token);
  const fetched = logs.find((entry) => entry.msg === 'issuer keys fetched');
  assert.equal(fetched?.federation, 'cluster-a');
  assert.equal(fetched?.issuer, a.issuer);
  assert.equal(typeof fetched?.durationMs, 'number');
  const text = JSON.stringify(logs);
  assert.ok(!text.includes(token.split('.')[1] ?? '-'));
  assert.ok(!text.includes(a.signingKey.kid), 'no key material');
});

test('tells the observer about every fetch and reports the age of the keys in use', async (t) => {
  const fetched: string[] = [];
  const keySetObserver = {
    keySetFetched: (federation: string, result: string) => fetched.push(`${federation} ${result}`),
  };
  const { a, authenticator, authenticate, clock } = await setup(t, { authn: { keySetObserver } });
  assert.deepEqual(authenticator.keySetAges(), []);

  await authenticate(a.mintToken());
  clock.ms += 90_000;
  assert.deepEqual(authenticator.keySetAges(), [{ federation: 'cluster-a', ageSeconds: 90 }]);

  a.setOutage('status500');
  clock.ms += 10 * minute;
  await authenticate(a.mintToken());
  await eventually(() => fetched.length === 2);
  assert.deepEqual(fetched, ['cluster-a success', 'cluster-a failure']);
  assert.deepEqual(authenticator.keySetAges(), [{ federation: 'cluster-a', ageSeconds: 690 }]);
});
