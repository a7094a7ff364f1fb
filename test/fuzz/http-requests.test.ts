import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { appToken, caBody, startTestHub } from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { runSettings } from './fuzz-run.js';
import {
  assertHealthy,
  assertWellFormedAnswer,
  errorLogLines,
  fetchAnswer,
  reasonOf,
} from './http-answer.js';
import {
  authorization,
  contentType,
  extraHeaders,
  methods,
  rawBody,
  requestPath,
} from './request-arbitraries.js';

/** Methods whose requests fetch refuses to give a body. */
const bodiless = new Set(['GET', 'HEAD']);

describe('fuzzing paths, methods and headers over HTTP', () => {
  let hub: TestHub;

  before(async () => {
    hub = await startTestHub();
  });
  after(() => hub.close());

  it('answers any method on any path with a catalogue error or a success, never a 5xx', async () => {
    const token = appToken(hub.clusterA);
    const body = JSON.stringify(caBody(hub.clusterA));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        requestPath,
        fc.boolean(),
        async (method, path, withToken) => {
          const answer = await fetchAnswer(`${hub.url}${path}`, {
            method,
            headers: withToken ? { authorization: `Bearer ${token}` } : {},
            body: bodiless.has(method) ? undefined : body,
          });
          assertWellFormedAnswer(answer);
        },
      ),
      runSettings(0x5eed_0001, 400),
    );
  });

  it('answers random Authorization, Content-Type and other headers without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'POST /secretstore/main-store/secrets/hello',
          'DELETE /generators/gen/Password/db-password',
          'POST /generators/gen/revoke',
          'GET /healthz',
        ),
        authorization,
        contentType,
        extraHeaders,
        fc.option(rawBody, { nil: undefined }),
        async (route, auth, type, extra, text) => {
          const [method = 'POST', path = '/'] = route.split(' ');
          const headers: Record<string, string> = { ...extra.random };
          if (extra['x-request-id'] !== undefined) headers['x-request-id'] = extra['x-request-id'];
          if (auth !== undefined) headers.authorization = auth;
          if (type !== undefined) headers['content-type'] = type;
          const answer = await fetchAnswer(`${hub.url}${path}`, {
            method,
            headers,
            body: bodiless.has(method) ? undefined : text,
          });
          assertWellFormedAnswer(answer);
          if (method !== 'GET' && answer.status === 200) {
            assert.fail(`an unauthenticated request succeeded: ${auth ?? '(none)'}`);
          }
        },
      ),
      runSettings(0x5eed_0002, 300),
    );
  });

  it('keeps the request id well-formed whatever the client offers', async () => {
    await fc.assert(
      fc.asyncProperty(extraHeaders, async (extra) => {
        const offered = extra['x-request-id'];
        const answer = await fetchAnswer(`${hub.url}/healthz`, {
          method: 'GET',
          headers: offered === undefined ? {} : { 'x-request-id': offered },
        });
        const id = answer.headers.get('x-request-id') ?? '';
        assert.match(id, /^[A-Za-z0-9._:-]{1,128}$/);
        if (offered !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(offered.trim())) {
          assert.equal(id, offered.trim());
        }
      }),
      runSettings(0x5eed_0003, 100),
    );
  });

  it('stays healthy and logs no error after the runs', async () => {
    await assertHealthy(hub.url);
    assert.deepEqual(errorLogLines(hub.logs.entries()), []);
    const unauthenticated = await fetchAnswer(`${hub.url}/secretstore/main-store/secrets/hello`, {
      method: 'POST',
    });
    assert.equal(reasonOf(unauthenticated), 'TokenMissing');
  });
});
