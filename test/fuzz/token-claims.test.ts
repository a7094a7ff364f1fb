import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { defaultAudience } from '../../src/dev/service-account-token.js';
import {
  appToken,
  baseManifests,
  caBody,
  federationManifest,
  startTestHub,
} from '../support/hub.js';
import type { TestHub } from '../support/hub.js';
import { runSettings } from './fuzz-run.js';
import {
  assertHealthy,
  assertWellFormedAnswer,
  errorLogLines,
  fetchAnswer,
} from './http-answer.js';

const registeredClaims = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'kubernetes.io',
]);

const name = fc.oneof(
  fc.constantFrom('app', 'app-sa', 'app-0', 'gen', 'default', ''),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);

const subject = fc.oneof(
  fc.constant('system:serviceaccount:app:app-sa'),
  fc
    .tuple(name, name)
    .map(([namespace, account]) => `system:serviceaccount:${namespace}:${account}`),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('', 'system:serviceaccount:app:app-sa ', 'SYSTEM:SERVICEACCOUNT:APP:APP-SA'),
  fc.jsonValue(),
  fc.constant(undefined),
);

const namedObject = fc.oneof(
  fc.record(
    { name: fc.oneof(name, fc.jsonValue()), uid: fc.oneof(fc.uuid(), fc.jsonValue()) },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

const kubernetesClaim = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue(),
  fc.record(
    {
      namespace: fc.oneof(name, fc.jsonValue()),
      serviceaccount: namedObject,
      pod: namedObject,
      node: namedObject,
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 4 }),
);

const audience = fc.oneof(
  fc.constant(undefined),
  fc.constant(defaultAudience),
  fc.constant([defaultAudience]),
  fc.array(
    fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(defaultAudience, 'https://hub.example.com'),
    ),
    { maxLength: 4 },
  ),
  fc.jsonValue(),
);

/** Claims that replace or remove the standard ones of a real token (undefined removes). */
const claimMutations = fc
  .tuple(
    fc.record(
      { sub: subject, 'kubernetes.io': kubernetesClaim, aud: audience },
      { requiredKeys: [] },
    ),
    fc.dictionary(
      fc.string({ maxLength: 12 }).filter((key) => !registeredClaims.has(key)),
      fc.jsonValue(),
      { maxKeys: 3 },
    ),
  )
  .map(([standard, extra]) => ({ ...extra, ...standard }));

const routes = [
  { method: 'POST', path: '/secretstore/main-store/secrets/hello' },
  { method: 'POST', path: '/secretstore/other-store/secrets/hello' },
  { method: 'POST', path: '/generators/gen/Password/db-password' },
  { method: 'DELETE', path: '/generators/gen/Password/db-password' },
  { method: 'POST', path: '/generators/gen/revoke' },
] as const;

describe('fuzzing the claims of tokens signed by the real cluster keys', () => {
  let hub: TestHub;

  before(async () => {
    // Cluster A checks audiences, so that the shape of `aud` matters; cluster B does not.
    hub = await startTestHub({}, (a, b) => ({
      ...baseManifests(a, b),
      'federations.yaml': `${federationManifest('cluster-a', a, {
        audiences: [defaultAudience, 'https://hub.example.com'],
      })}---\n${federationManifest('cluster-b', b, { pinned: true })}`,
    }));
  });
  after(() => hub.close());

  it('answers 200, 404 or 401 to tokens with mutated sub, kubernetes.io and aud, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('A', 'B'),
        fc.constantFrom(...routes),
        claimMutations,
        async (clusterName, route, claims) => {
          const cluster = clusterName === 'A' ? hub.clusterA : hub.clusterB;
          const token = appToken(cluster, { claims });
          // Cluster B pins its CA, so its callers may send no body; revoke names an owner
          // so that the answer does not depend on which names the token kept.
          const body = {
            ...(clusterName === 'A' ? caBody(cluster) : {}),
            ...(route.path.endsWith('/revoke') ? { owner: 'app-0' } : {}),
          };
          const answer = await fetchAnswer(`${hub.url}${route.path}`, {
            method: route.method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          assertWellFormedAnswer(answer);
          assert.ok([200, 401, 404].includes(answer.status), `${answer.status} ${answer.text}`);
        },
      ),
      runSettings(0x5eed_0301, 300),
    );
  });

  it('stays healthy and logs no error after the runs', async () => {
    await assertHealthy(hub.url);
    assert.deepEqual(errorLogLines(hub.logs.entries()), []);
  });
});
