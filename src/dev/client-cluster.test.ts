import assert from 'node:assert/strict';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { test, type TestContext } from 'node:test';

import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { Agent, request } from 'undici';

import {
  defaultIssuer,
  defaultJwksUri,
  discoveryPath,
  jwksPath,
  startClientCluster,
  type ClientClusterOptions,
} from './client-cluster.js';

async function start(t: TestContext, options: ClientClusterOptions = {}) {
  const cluster = await startClientCluster(options);
  const agent = new Agent({ connect: { ca: cluster.caPem } });
  t.after(async () => {
    await agent.close();
    await cluster.close();
  });
  const get = async (path: string, token?: string, base = cluster.url) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const response = await request(`${base}${path}`, { dispatcher: agent, headers });
    const text = await response.body.text();
    return { status: response.statusCode, text, contentType: response.headers['content-type'] };
  };
  return { cluster, get };
}

function jwksOf(text: string): { keys: Record<string, string>[] } {
  return JSON.parse(text) as { keys: Record<string, string>[] };
}

test('serves discovery and JWKS only to callers with a bearer token', async (t) => {
  const { cluster, get } = await start(t);

  for (const path of [discoveryPath, jwksPath]) {
    assert.equal((await get(path)).status, 401);
    assert.equal((await get(path, '')).status, 401);
    assert.equal((await get(path, 'some-token')).status, 200);
  }
  assert.deepEqual(cluster.bearerTokens, ['some-token', 'some-token']);
  assert.equal(cluster.discoveryRequests, 3);
  assert.equal(cluster.jwksRequests, 3);
});

test('serves the OIDC documents to anonymous callers when allowed', async (t) => {
  const { cluster, get } = await start(t, { allowAnonymous: true });

  assert.equal((await get(jwksPath)).status, 200);
  assert.deepEqual(cluster.bearerTokens, []);
});

test('advertises the in-cluster issuer and JWKS address in discovery, as an API server does', async (t) => {
  const { cluster, get } = await start(t);

  const response = await get(discoveryPath, 'token');
  assert.equal(response.contentType, 'application/json');
  assert.deepEqual(JSON.parse(response.text), {
    issuer: 'https://kubernetes.default.svc.cluster.local',
    jwks_uri: 'https://10.96.0.1:443/openid/v1/jwks',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  assert.equal(cluster.issuer, defaultIssuer);
  assert.equal(cluster.jwksUri, defaultJwksUri);
  assert.notEqual(cluster.issuer, cluster.url);
});

test('lists RSA keys shaped like Kubernetes with kid = SHA-256 of the DER public key', async (t) => {
  const { cluster, get } = await start(t);

  const { keys } = jwksOf((await get(jwksPath, 'token')).text);
  assert.equal(keys.length, 1);
  const [jwk] = keys as [Record<string, string>];
  assert.equal(jwk.kid, cluster.signingKey.kid);
  assert.deepEqual(Object.keys(jwk), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
  assert.equal(jwk.use, 'sig');
  assert.equal(jwk.kty, 'RSA');
  assert.equal(jwk.alg, 'RS256');

  const der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  assert.equal(jwk.kid, createHash('sha256').update(der).digest('base64url'));
  assert.equal(
    createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails?.modulusLength,
    2048,
  );
});

test('signs with EC P-256 and ES256 when asked', async (t) => {
  const { cluster, get } = await start(t, { algorithm: 'ES256' });

  const { keys } = jwksOf((await get(jwksPath, 'token')).text);
  assert.deepEqual(Object.keys(keys[0] ?? {}), ['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
  assert.equal(keys[0]?.crv, 'P-256');
  const discovery = JSON.parse((await get(discoveryPath, 'token')).text) as Record<string, unknown>;
  assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['ES256']);

  const { payload } = await jwtVerify(cluster.mintToken(), createLocalJWKSet(cluster.jwks()));
  assert.equal(payload.iss, defaultIssuer);
});

test('mints tokens shaped like projected ServiceAccount tokens that verify with its JWKS', async (t) => {
  const nowMs = Date.UTC(2030, 0, 1);
  const { cluster } = await start(t, { now: () => nowMs });

  const token = cluster.mintToken({ namespace: 'app-ns', serviceAccount: 'app-sa' });
  const header = decodeProtectedHeader(token);
  assert.deepEqual(header, { alg: 'RS256', kid: cluster.signingKey.kid });

  const { payload } = await jwtVerify(token, createLocalJWKSet(cluster.jwks()), {
    currentDate: new Date(nowMs),
  });
  const iat = nowMs / 1000;
  assert.deepEqual(payload.aud, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(payload.iat, iat);
  assert.equal(payload.nbf, iat);
  assert.equal(payload.exp, iat + 3600);
  assert.equal(payload.iss, defaultIssuer);
  assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
  assert.equal(payload.sub, 'system:serviceaccount:app-ns:app-sa');
  const claim = payload['kubernetes.io'] as Record<string, Record<string, string>>;
  assert.equal(claim.namespace, 'app-ns');
  assert.equal(claim.serviceaccount?.name, 'app-sa');
  assert.equal(claim.pod?.name, 'app-sa-0');
  assert.equal(claim.node, undefined);

  const again = await jwtVerify(
    cluster.mintToken({ namespace: 'app-ns', serviceAccount: 'app-sa' }),
    createLocalJWKSet(cluster.jwks()),
    { currentDate: new Date(nowMs) },
  );
  const claimAgain = again.payload['kubernetes.io'] as Record<string, Record<string, string>>;
  assert.equal(claimAgain.serviceaccount?.uid, claim.serviceaccount?.uid, 'uids are stable');
  assert.notEqual(again.payload.jti, payload.jti);
});

test('mints tokens with claims and header members overridden or removed', async (t) => {
  const { cluster } = await start(t);

  const token = cluster.mintToken({
    audiences: ['vault'],
    pod: null,
    node: { name: 'node-1', uid: 'node-uid' },
    claims: { exp: undefined, extra: 'x' },
    header: { kid: undefined, typ: 'JWT' },
  });
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map(
      (part) =>
        JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>,
    );
  assert.deepEqual(header, { alg: 'RS256', typ: 'JWT' });
  assert.equal(payload?.exp, undefined);
  assert.equal(payload?.extra, 'x');
  assert.deepEqual(payload?.aud, ['vault']);
  const claim = payload?.['kubernetes.io'] as Record<string, unknown>;
  assert.equal(claim.pod, undefined);
  assert.deepEqual(claim.node, { name: 'node-1', uid: 'node-uid' });

  const unsigned = cluster.mintToken({ header: { alg: 'none' }, sign: () => new Uint8Array() });
  assert.match(unsigned, /\.$/);
});

test('lists both keys during a rotation and signs with the new one', async (t) => {
  const { cluster, get } = await start(t);
  const first = cluster.signingKey;

  const second = await cluster.rotateKey();
  assert.notEqual(second.kid, first.kid);
  assert.equal(cluster.signingKey.kid, second.kid);
  const kids = jwksOf((await get(jwksPath, 'token')).text).keys.map((key) => key.kid);
  assert.deepEqual(kids, [first.kid, second.kid]);
  assert.equal(decodeProtectedHeader(cluster.mintToken()).kid, second.kid);

  const third = await cluster.rotateKey({ dropOld: true });
  const afterDrop = jwksOf((await get(jwksPath, 'token')).text).keys.map((key) => key.kid);
  assert.deepEqual(afterDrop, [third.kid]);
});

test('serves a certificate for localhost and 127.0.0.1 signed by its own CA', async (t) => {
  const { cluster, get } = await start(t);

  const ca = new X509Certificate(cluster.caPem);
  assert.equal(ca.ca, true);
  assert.match(cluster.url, /^https:\/\/localhost:\d+$/);
  const port = new URL(cluster.url).port;
  assert.equal((await get(jwksPath, 'token', `https://127.0.0.1:${port}`)).status, 200);
  assert.equal((await get(jwksPath, 'token')).status, 200);
  assert.ok(cluster.serverNames.includes(null), 'no SNI is sent for an IP address');
  assert.ok(cluster.serverNames.includes('localhost'));
});

test('refuses connections during a refuse outage', async (t) => {
  const { cluster, get } = await start(t);
  assert.equal((await get(jwksPath, 'token')).status, 200);

  cluster.setOutage('refuse');
  await assert.rejects(get(jwksPath, 'token'));
  cluster.setOutage('none');
  assert.equal((await get(jwksPath, 'token')).status, 200);
});

test('answers 500, garbage or an empty key set during the matching outage', async (t) => {
  const { cluster, get } = await start(t);

  cluster.setOutage('status500');
  assert.equal((await get(discoveryPath, 'token')).status, 500);
  cluster.setOutage('garbage');
  const garbage = await get(jwksPath, 'token');
  assert.equal(garbage.status, 200);
  assert.throws(() => JSON.parse(garbage.text) as unknown);
  cluster.setOutage('emptyKeys');
  assert.deepEqual(jwksOf((await get(jwksPath, 'token')).text), { keys: [] });
  assert.equal((await get(discoveryPath, 'token')).status, 200);
});

test('answers late during a slow outage and drops the pending answer on close', async (t) => {
  const { cluster, get } = await start(t);

  cluster.setOutage({ slowMs: 150 });
  const started = performance.now();
  assert.equal((await get(jwksPath, 'token')).status, 200);
  assert.ok(performance.now() - started >= 140);

  cluster.setOutage({ slowMs: 60_000 });
  const pending = get(jwksPath, 'token').catch(() => 'dropped');
  await waitFor(() => cluster.jwksRequests === 2);
  await cluster.close();
  assert.equal(await pending, 'dropped');
});

test('forgets counters and histories on reset', async (t) => {
  const { cluster, get } = await start(t);
  await get(jwksPath, 'token');

  cluster.resetCounters();
  assert.equal(cluster.jwksRequests, 0);
  assert.equal(cluster.totalRequests, 0);
  assert.deepEqual(cluster.bearerTokens, []);
  assert.deepEqual(cluster.requestLog, []);
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(condition());
}
