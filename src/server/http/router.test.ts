import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isFederationError } from '../../errors.js';
import { jsonReply } from './exchange.js';
import type { Route } from './exchange.js';
import { decodeParams, Router } from './router.js';

function route(method: string, pattern: string): Route {
  return { method, pattern, handle: () => Promise.resolve(jsonReply(pattern)) };
}

const router = new Router([
  route('GET', '/healthz'),
  route('POST', '/secretstore/:secretStoreName/secrets/:secretName'),
  route('POST', '/generators/:generatorNamespace/revoke'),
  route('POST', '/generators/:generatorNamespace/:generatorKind/:generatorName'),
]);

describe('Router', () => {
  it('finds a route by method and path and returns its raw parameters', () => {
    const found = router.match('POST', '/secretstore/main/secrets/db%2Fpassword?x=1');
    assert.equal(found?.route.pattern, '/secretstore/:secretStoreName/secrets/:secretName');
    assert.deepEqual(found?.rawParams, { secretStoreName: 'main', secretName: 'db%2Fpassword' });
    assert.equal(
      router.match('POST', '/generators/gen/revoke')?.route.pattern,
      '/generators/:generatorNamespace/revoke',
    );
    assert.deepEqual(router.match('POST', '/generators/gen/Password/pw')?.rawParams, {
      generatorNamespace: 'gen',
      generatorKind: 'Password',
      generatorName: 'pw',
    });
  });

  it('answers HEAD with the GET route and nothing for other methods', () => {
    assert.equal(router.match('HEAD', '/healthz')?.route.method, 'GET');
    assert.equal(router.match('POST', '/healthz'), undefined);
    assert.equal(router.match('GET', '/secretstore/main/secrets/x'), undefined);
  });

  it('matches nothing for other paths, empty parameters or targets without a leading /', () => {
    for (const path of [
      '',
      '*',
      'http://hub/healthz',
      '/healthz/',
      '/Healthz',
      '/secretstore//secrets/x',
      '/secretstore/main/secrets/',
      '/secretstore/main/secrets/a/b',
    ]) {
      for (const method of ['GET', 'POST']) {
        assert.equal(router.match(method, path), undefined, `${method} ${path}`);
      }
    }
  });
});

describe('decodeParams', () => {
  it('percent-decodes once and refuses a malformed escape as InvalidPathParameter', () => {
    assert.deepEqual(decodeParams({ key: 'db%2Fpass%2520word', store: 'main' }), {
      key: 'db/pass%20word',
      store: 'main',
    });
    assert.throws(
      () => decodeParams({ key: '%E0%A4%A' }),
      (error) => isFederationError(error) && error.reason === 'InvalidPathParameter',
    );
  });
});
