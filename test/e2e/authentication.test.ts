import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';

import { encodeCompactJws } from '../../src/dev/service-account-token.js';
import { signWithKey } from '../../src/dev/signing-key.js';
import { appToken, caBody, call, issuerA, reasonOf, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

const secretPath = '/secretstore/main-store/secrets/hello';

function decodePart(token: string, index: number): Record<string, unknown> {
  const part = token.split('.')[index] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('authentication of ServiceAccount tokens over HTTP', () => {
  let hub: TestHub;

  before(async () => {
    // A key set one hour old is refreshed in the background, never on the request path.
    hub = await startTestHub({ authn: { unknownKidCooldownMs: 60_000 } });
  });
  after(() => hub.close());
  beforeEach(() => {
    hub.clusterA.setOutage('none');
  });

  async function fetchWith(token: string, body: unknown = caBody(hub.clusterA)) {
    return call(hub, secretPath, { token, body });
  }

  it('rejects a request without a bearer token, and a non-bearer scheme', async () => {
    const none = await call(hub, secretPath, { body: caBody(hub.clusterA) });
    assert.equal(none.status, 401);
    assert.equal(reasonOf(none), 'TokenMissing');
    const basic = await call(hub, secretPath, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      body: caBody(hub.clusterA),
    });
    assert.equal(reasonOf(basic), 'TokenMissing');
  });

  it('rejects tokens that are not compact JWS', async () => {
    for (const token of ['abc', 'a.b', 'a.b.c.d.e', '..', 'eyJhbGciOiJSUzI1NiJ9.!!!.sig']) {
      const result = await fetchWith(token);
      assert.equal(result.status, 401, token);
      assert.equal(reasonOf(result), 'TokenMalformed', token);
    }
  });

  it('rejects an issuer no federation trusts', async () => {
    const stranger = encodeCompactJws(
      { alg: 'RS256', kid: 'x' },
      { iss: 'https://stranger.example.com', sub: 'system:serviceaccount:a:b', exp: 9e9 },
      () => new Uint8Array(256),
    );
    const result = await fetchWith(stranger);
    assert.equal(result.status, 401);
    assert.equal(reasonOf(result), 'UnknownIssuer');
  });

  it('rejects a tampered payload', async () => {
    const token = appToken(hub.clusterA);
    const [header, , signature] = token.split('.');
    const payload = decodePart(token, 1);
    payload.sub = 'system:serviceaccount:kube-system:admin';
    const forged = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    const result = await fetchWith(forged);
    assert.equal(result.status, 401);
    assert.equal(reasonOf(result), 'TokenUnverifiable');
  });

  it('rejects alg none in every spelling', async () => {
    const payload = decodePart(appToken(hub.clusterA), 1);
    for (const alg of ['none', 'None', 'NONE']) {
      const kid = hub.clusterA.signingKey.kid;
      const forged = encodeCompactJws({ alg, kid }, payload, () => new Uint8Array());
      const result = await fetchWith(forged);
      assert.equal(result.status, 401, alg);
      assert.equal(reasonOf(result), 'TokenUnverifiable', alg);
    }
  });

  it('rejects HS256 signed with the public key as the HMAC secret (PEM and JWK)', async () => {
    const payload = decodePart(appToken(hub.clusterA), 1);
    const key = hub.clusterA.signingKey;
    for (const secret of [key.publicKeyPem, JSON.stringify(key.jwk)]) {
      const forged = encodeCompactJws({ alg: 'HS256', kid: key.kid }, payload, (input) =>
        createHmac('sha256', secret).update(input).digest(),
      );
      const result = await fetchWith(forged);
      assert.equal(result.status, 401);
      assert.equal(reasonOf(result), 'TokenUnverifiable');
    }
  });

  it('rejects an algorithm that does not fit the key the kid names', async () => {
    // An EC signature from cluster B, labelled ES256 with the kid of cluster A's RSA key.
    const payload = decodePart(appToken(hub.clusterA), 1);
    const forged = encodeCompactJws(
      { alg: 'ES256', kid: hub.clusterA.signingKey.kid },
      payload,
      (input) => signWithKey(hub.clusterB.signingKey, input),
    );
    const result = await fetchWith(forged);
    assert.equal(result.status, 401);
    assert.equal(reasonOf(result), 'TokenUnverifiable');
  });

  it('rejects an expired token, a token not yet valid and a token without exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = appToken(hub.clusterA, { issuedAtSec: now - 7200, lifetimeSec: 3600 });
    assert.equal(reasonOf(await fetchWith(expired)), 'TokenExpired');
    const future = appToken(hub.clusterA, { issuedAtSec: now + 3600 });
    assert.equal(reasonOf(await fetchWith(future)), 'TokenNotYetValid');
    const noExp = appToken(hub.clusterA, { claims: { exp: undefined } });
    const result = await fetchWith(noExp);
    assert.equal(result.status, 401);
    assert.equal(reasonOf(result), 'TokenClaimInvalid');
  });

  it('rejects a token whose issuer differs from the discovery issuer', async () => {
    // Cluster B signs a token that claims cluster A's issuer: the keys of A do not match,
    // and B's federation is never consulted for A's issuer.
    const borrowed = appToken(hub.clusterB, { claims: { iss: issuerA } });
    const result = await fetchWith(borrowed);
    assert.equal(result.status, 401);
    assert.equal(reasonOf(result), 'TokenUnverifiable');
  });

  it('ignores jku, x5u and jwk headers that point at attacker keys', async () => {
    const token = appToken(hub.clusterB, {
      claims: { iss: issuerA },
      header: {
        jku: `${hub.clusterB.url}/openid/v1/jwks`,
        x5u: `${hub.clusterB.url}/cert.pem`,
        jwk: hub.clusterB.signingKey.jwk,
      },
    });
    hub.clusterB.resetCounters();
    const result = await fetchWith(token);
    assert.equal(result.status, 401);
    assert.equal(hub.clusterB.totalRequests, 0);
  });

  it('takes the workload identity from the verified token, never from a header', async () => {
    const result = await call(hub, '/secretstore/ungranted-store/secrets/hello', {
      token: appToken(hub.clusterA),
      body: caBody(hub.clusterA),
      headers: {
        'impersonate-user': 'system:serviceaccount:kube-system:admin',
        'x-remote-user': 'admin',
        'x-forwarded-user': 'admin',
        'x-service-account': 'system:serviceaccount:app:admin',
      },
    });
    assert.equal(result.status, 404);
  });

  it('rejects a malformed ca.crt with 400 for a federation without caBundle', async () => {
    const malformed = await fetchWith(appToken(hub.clusterA), { 'ca.crt': 'not a certificate' });
    assert.equal(malformed.status, 400);
    assert.equal(reasonOf(malformed), 'InvalidCACert');
  });

  it('answers with the same message for the same mistake on every run', async () => {
    const first = await fetchWith('abc');
    const second = await fetchWith('abc');
    assert.equal(first.text, second.text);
    assert.doesNotMatch(first.text, /at .*\.js|Error:|stack/);
  });
});
