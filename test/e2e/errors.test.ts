import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import { reasons } from '../../src/errors.js';
import { appToken, caBody, call, reasonOf, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';

describe('bad input over HTTP', () => {
  let hub: TestHub;
  let token: string;

  before(async () => {
    hub = await startTestHub();
    token = appToken(hub.clusterA);
  });
  after(() => hub.close());

  it('answers 413 for a body above 64 KiB', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      rawBody: JSON.stringify({ 'ca.crt': 'x'.repeat(70 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(result.status, 413);
    assert.equal(reasonOf(result), 'BodyTooLarge');
  });

  it('answers 400 for a body that is not one JSON object', async () => {
    for (const rawBody of ['{', '[]', '"text"', '42', 'null', '{"ca.crt": 1}', '{"unknown": 1}']) {
      const result = await call(hub, '/secretstore/main-store/secrets/hello', {
        token,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(result.status, 400, rawBody);
      assert.equal(reasonOf(result), 'InvalidBody', rawBody);
    }
  });

  it('accepts a JSON body whatever its content type', async () => {
    const result = await call(hub, '/secretstore/main-store/secrets/hello', {
      token,
      rawBody: JSON.stringify(caBody(hub.clusterA)),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(result.status, 200);
  });

  it('answers 400 for bad path parameters before looking at the token', async () => {
    for (const path of [
      '/secretstore/Bad_Store/secrets/hello',
      '/generators/Not_A_Namespace/Password/x',
      '/generators/gen/Pass-word/x',
      '/generators/gen/Password/UPPER',
      '/secretstore/main-store/secrets/%01',
    ]) {
      const result = await call(hub, path, {});
      assert.equal(result.status, 400, path);
      assert.equal(reasonOf(result), 'InvalidPathParameter', path);
    }
  });

  it('answers 404 RouteNotFound for unknown routes and methods', async () => {
    const unknown = await call(hub, '/nothing/here', { method: 'GET' });
    assert.equal(unknown.status, 404);
    assert.equal(reasonOf(unknown), 'RouteNotFound');
    const method = await call(hub, '/secretstore/main-store/secrets/hello', { method: 'GET' });
    assert.equal(reasonOf(method), 'RouteNotFound');
  });

  it('matches paths exactly, ignores the query string and answers HEAD on the probes', async () => {
    for (const path of ['/healthz/', '/HEALTHZ', '//healthz', '/secretstore/main-store/secrets/']) {
      const result = await call(hub, path, { method: 'GET' });
      assert.equal(reasonOf(result), 'RouteNotFound', path);
    }
    assert.equal((await call(hub, '/readyz?verbose=1', { method: 'GET' })).status, 200);
    const head = await fetch(`${hub.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const badEscape = await call(hub, '/secretstore/main-store/secrets/%E0%A4%A', { token });
    assert.equal(badEscape.status, 400);
    assert.equal(reasonOf(badEscape), 'InvalidPathParameter');
  });

  it('answers health and readiness without authentication and without configuration details', async () => {
    const health = await call(hub, '/healthz', { method: 'GET' });
    assert.equal(health.status, 200);
    const ready = await call(hub, '/readyz', { method: 'GET' });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
  });

  it('returns a request id, taking a well-formed one from the client', async () => {
    const given = await call(hub, '/healthz', {
      method: 'GET',
      headers: { 'x-request-id': 'abc-123' },
    });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    const made = await call(hub, '/healthz', {
      method: 'GET',
      headers: { 'x-request-id': 'has space' },
    });
    assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('never answers with a stack trace, and every error body has message and reason only', async () => {
    const results = [
      await call(hub, '/secretstore/main-store/secrets/hello', { token: 'a.b.c', body: {} }),
      await call(hub, '/secretstore/main-store/secrets/hello', { rawBody: '{' }),
      await call(hub, '/generators/gen/revoke', {
        token,
        body: caBody(hub.clusterA, { owner: 7 }),
      }),
    ];
    for (const result of results) {
      assert.deepEqual(Object.keys(result.body as object).sort(), ['message', 'reason']);
      assert.doesNotMatch(result.text, /\.js:\d+|\bat \w+ \(|Error:/);
    }
  });
});

describe('the error catalogue', () => {
  it('is documented in docs/errors.md with the same statuses', async () => {
    const docs = await readFile(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const [reason, { status }] of Object.entries(reasons)) {
      const row = new RegExp(`^\\|\\s*\`${reason}\`\\s*\\|\\s*${status}\\s*\\|`, 'm');
      assert.match(docs, row, `docs/errors.md lacks a row for ${reason} (${status})`);
    }
    const documented = [...docs.matchAll(/^\|\s*`(\w+)`\s*\|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(reasons).sort());
  });
});

describe('the end-to-end tests', () => {
  it('produce every reason of the catalogue at least once', async () => {
    const { readdir } = await import('node:fs/promises');
    const dir = new URL('../../../test/e2e/', import.meta.url);
    const sources = await Promise.all(
      (await readdir(dir)).map((file) => readFile(new URL(file, dir), 'utf8')),
    );
    const all = sources.join('\n');
    for (const reason of Object.keys(reasons)) {
      assert.ok(all.includes(`'${reason}'`), `no end-to-end test produces ${reason}`);
    }
  });
});
