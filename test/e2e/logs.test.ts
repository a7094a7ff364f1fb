import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { appToken, call, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

describe('what the server logs', () => {
  let hub: TestHub;
  const handedOut: string[] = [];
  const tokens: string[] = [];

  before(async () => {
    hub = await startTestHub();
    const token = appToken(hub.clusterA);
    const expired = appToken(hub.clusterA, { issuedAtSec: 1_000_000, lifetimeSec: 60 });
    const tokenB = appToken(hub.clusterB);
    tokens.push(token, expired, tokenB);
    const body = caBody(hub.clusterA);

    for (const path of [
      '/secretstore/main-store/secrets/hello',
      '/secretstore/main-store/secrets/db%2Fcredentials',
      '/generators/gen/Password/db-password',
      '/generators/gen/SSHKey/deploy-key',
      '/generators/gen/Fake/static',
    ]) {
      const result = await call(hub, path, { token, body });
      assert.equal(result.status, 200, path);
      handedOut.push(result.text);
    }
    await call(hub, '/secretstore/main-store/secrets/hello', { token: expired, body });
    await call(hub, '/secretstore/ungranted-store/secrets/hello', { token, body });
    await call(hub, '/secretstore/other-store/secrets/hello', { token: tokenB });
    await call(hub, '/generators/gen/Password/db-password', { method: 'DELETE', token, body });
    await call(hub, '/secretstore/main-store/secrets/hello', { token: 'garbage.token.here', body });
  });
  after(() => hub.close());

  it('writes one structured line per request with who, what, status and reason', () => {
    const completed = hub.logs.entries().filter((entry) => entry.msg === 'request completed');
    assert.equal(completed.length, 10);
    const denied = completed.find((entry) => entry.store === 'ungranted-store');
    assert.equal(denied?.status, 404);
    assert.equal(denied?.reason, 'NotFound');
    assert.equal(denied?.subject, 'system:serviceaccount:app:app-sa');
    assert.equal(denied?.issuer, hub.clusterA.issuer);
    const expired = completed.find((entry) => entry.reason === 'TokenExpired');
    assert.equal(expired?.status, 401);
    for (const entry of completed) {
      assert.equal(typeof entry.reqId, 'string');
      assert.equal(typeof entry.durationMs, 'number');
      assert.equal(typeof entry.route, 'string');
    }
  });

  it('never logs a token, a secret value, a generated value or a key', () => {
    const all = hub.logs.lines.join('\n');
    for (const token of tokens) {
      assert.ok(!all.includes(token), 'a token reached the log');
      const signature = token.split('.')[2] ?? '';
      assert.ok(!all.includes(signature), 'a token signature reached the log');
    }
    assert.ok(!all.includes('pw-main-0001'));
    assert.ok(!all.includes('world'));
    for (const text of handedOut) {
      const parsed = JSON.parse(text) as Record<string, string> | string;
      const values = typeof parsed === 'string' ? [parsed] : Object.values(parsed);
      for (const value of values) {
        if (value.length >= 8)
          assert.ok(!all.includes(value), 'a handed-out value reached the log');
      }
    }
    assert.ok(!all.includes('PRIVATE KEY'));
    assert.ok(!all.includes(hub.clusterA.caPem.split('\n')[1] ?? 'none'));
    assert.ok(!/bearer/i.test(all), 'an Authorization header reached the log');
    assert.ok(!/"authorization":/i.test(all), 'an Authorization header reached the log');
  });
});
