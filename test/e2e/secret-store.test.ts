import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { appToken, call, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

describe('POST /secretstore/:store/secrets/:name', () => {
  let hub: TestHub;
  let token: string;

  before(async () => {
    hub = await startTestHub();
    token = appToken(hub.clusterA);
  });
  after(() => hub.close());

  it('answers the secret value as a JSON string', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
    assert.equal(result.text, '"world"');
    assert.match(result.headers.get('content-type') ?? '', /application\/json/);
  });

  it('accepts the CA as plain PEM as well as base64 of PEM', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: { 'ca.crt': hub.clusterA.caPem },
    });
    assert.equal(result.status, 200);
    assert.equal(result.body, 'world');
  });

  it('reads a remote key containing a slash sent as %2F', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/db%2Fcredentials', {
      token,
      body: caBody(hub.clusterA),
    });
    assert.equal(result.status, 200);
    assert.deepEqual(JSON.parse(result.body as string), {
      username: 'app',
      password: 'pw-main-0001',
      nested: { port: 5432 },
    });
  });

  it('selects a property, a version and a decoding strategy through remoteRef', async () => {
    const property = await call(hub, '/secretstore/main-store/secrets/db%2Fcredentials', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { property: 'username' } }),
    });
    assert.equal(property.body, 'app');
    const nested = await call(hub, '/secretstore/main-store/secrets/db%2Fcredentials', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { property: 'nested.port' } }),
    });
    assert.equal(nested.body, '5432');
    const version = await call(hub, '/secretstore/main-store/secrets/versioned', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { version: 'v1' } }),
    });
    assert.equal(version.body, 'old-value');
    const decoded = await call(hub, '/secretstore/main-store/secrets/encoded', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { decodingStrategy: 'Base64' } }),
    });
    assert.equal(decoded.body, 'secret-from-base64');
  });

  it('answers 404 alike for a missing key, a missing store and a store not granted', async () => {
    const paths = [
      '/secretstore/main-store/secrets/absent',
      '/secretstore/no-such-store/secrets/hello',
      '/secretstore/ungranted-store/secrets/hello',
      '/secretstore/other-store/secrets/hello',
    ];
    const bodies = new Set<string>();
    for (const path of paths) {
      const result = await call(hub, path, { token, body: caBody(hub.clusterA) });
      assert.equal(result.status, 404, path);
      bodies.add(result.text);
    }
    assert.equal(bodies.size, 1, 'every 404 must look the same');
    assert.deepEqual(JSON.parse([...bodies][0] ?? ''), {
      message: 'not found or not permitted',
      reason: 'NotFound',
    });
  });

  it('rejects an unknown remoteRef field and an unknown decoding strategy with 400', async () => {
    const unknown = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { propery: 'x' } }),
    });
    assert.equal(unknown.status, 400);
    const strategy = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      body: caBody(hub.clusterA, { remoteRef: { decodingStrategy: 'Rot13' } }),
    });
    assert.equal(strategy.status, 400);
    assert.equal((strategy.body as { reason: string }).reason, 'InvalidRemoteRef');
  });

  it('serves a pinned federation with an empty body and ignores a wrong ca.crt there', async () => {
    const tokenB = appToken(hub.clusterB);
    const empty = await call(hub, '/secretstore/other-store/secrets/hello', { token: tokenB });
    assert.equal(empty.status, 200);
    assert.equal(empty.body, 'other-world');
    const wrongCa = await call(hub, '/secretstore/other-store/secrets/hello', {
      token: tokenB,
      body: caBody(hub.clusterA),
    });
    assert.equal(wrongCa.status, 200);
  });
});
