import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { appToken, startTestHub } from '../support/hub.js';
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
  bodyLimitBytes,
  bodyRoute,
  caBodyOfSize,
  caCertificate,
  deeplyNested,
  knownMembers,
  rawBody,
  remoteRef,
} from './request-arbitraries.js';

describe('fuzzing request bodies over HTTP', () => {
  let hub: TestHub;
  /** A token of cluster A, one of cluster B (whose CA is pinned), and none. */
  let tokens: (string | undefined)[];

  before(async () => {
    hub = await startTestHub();
    tokens = [appToken(hub.clusterA), appToken(hub.clusterB), undefined];
  });
  after(() => hub.close());

  async function post(
    route: { method: string; path: string },
    token: string | undefined,
    body: string,
  ) {
    return fetchAnswer(`${hub.url}${route.path}`, {
      method: route.method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    });
  }

  it('answers raw text, JSON of any shape and sizes around the limit without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodyRoute, fc.nat(2), rawBody, async (route, tokenIndex, body) => {
        const answer = await post(route, tokens[tokenIndex], body);
        assertWellFormedAnswer(answer);
        const size = Buffer.byteLength(body);
        if (size > bodyLimitBytes) assert.equal(reasonOf(answer), 'BodyTooLarge');
        else assert.notEqual(answer.status, 413, `${size} bytes were refused as too large`);
      }),
      runSettings(0x5eed_0101, 250),
    );
  });

  it('answers objects with known members of random values (ca.crt, remoteRef, owner) without a 5xx', async () => {
    const pems = [hub.clusterA.caPem, hub.clusterB.caPem];
    await fc.assert(
      fc.asyncProperty(
        bodyRoute,
        fc.nat(2),
        knownMembers(pems),
        async (route, tokenIndex, members) => {
          const answer = await post(route, tokens[tokenIndex], JSON.stringify(members));
          assertWellFormedAnswer(answer);
        },
      ),
      runSettings(0x5eed_0102, 400),
    );
  });

  it('answers a random ca.crt with 200, InvalidCACert or IssuerUnreachable only', async () => {
    const pems = [hub.clusterA.caPem, hub.clusterB.caPem];
    const expected = new Set(['200', 'InvalidCACert', 'InvalidBody', 'IssuerUnreachable']);
    await fc.assert(
      fc.asyncProperty(caCertificate(pems), async (caCert) => {
        const route = { method: 'POST', path: '/secretstore/main-store/secrets/hello' };
        const answer = await post(route, tokens[0], JSON.stringify({ 'ca.crt': caCert }));
        assertWellFormedAnswer(answer);
        const outcome = reasonOf(answer) ?? String(answer.status);
        assert.ok(expected.has(outcome), `${answer.status} ${answer.text}`);
        if (outcome === 'InvalidBody') {
          assert.ok(typeof caCert !== 'string' || caCert.length > 60_000, answer.text);
        }
      }),
      runSettings(0x5eed_0105, 200),
    );
  });

  it('answers a random remoteRef with 200, InvalidRemoteRef, InvalidBody or NotFound only', async () => {
    const ca = Buffer.from(hub.clusterA.caPem).toString('base64');
    const expected = new Set(['200', 'InvalidRemoteRef', 'InvalidBody', 'NotFound']);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('hello', 'db%2Fcredentials', 'versioned', 'encoded', 'missing'),
        remoteRef,
        async (key, ref) => {
          const route = { method: 'POST', path: `/secretstore/main-store/secrets/${key}` };
          const body = JSON.stringify({ 'ca.crt': ca, remoteRef: ref });
          const answer = await post(route, tokens[0], body);
          assertWellFormedAnswer(answer);
          const outcome = reasonOf(answer) ?? String(answer.status);
          assert.ok(expected.has(outcome), `${answer.status} ${answer.text}`);
          if (answer.status === 200) assert.equal(typeof JSON.parse(answer.text), 'string');
        },
      ),
      runSettings(0x5eed_0106, 250),
    );
  });

  it('answers JSON nested up to the 64 KiB limit without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodyRoute, deeplyNested, async (route, body) => {
        assert.ok(Buffer.byteLength(body) <= bodyLimitBytes);
        const answer = await post(route, tokens[0], body);
        assertWellFormedAnswer(answer);
        assert.equal(answer.status, 400, `nested body answered ${answer.status} ${answer.text}`);
      }),
      runSettings(0x5eed_0103, 60),
    );
  });

  it('refuses exactly the bodies above 64 KiB', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodyRoute,
        fc.integer({ min: bodyLimitBytes - 16, max: bodyLimitBytes + 16 }),
        async (route, size) => {
          const answer = await post(route, tokens[0], caBodyOfSize(size));
          assertWellFormedAnswer(answer);
          assert.equal(reasonOf(answer) === 'BodyTooLarge', size > bodyLimitBytes, `${size} bytes`);
        },
      ),
      runSettings(0x5eed_0104, 40),
    );
  });

  it('stays healthy and logs no error after the runs', async () => {
    await assertHealthy(hub.url);
    assert.deepEqual(errorLogLines(hub.logs.entries()), []);
  });
});
