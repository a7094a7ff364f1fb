/**
 * Attacks and edges in the claims: time claims around the 30 s skew, `iss` and `sub`
 * of the wrong shape or issuer, the `kubernetes.io` claim, and duplicate members. Unless a
 * name says otherwise the token is genuinely signed by the cluster, so the claim under
 * test is the only thing wrong with it.
 */
import type { MintTokenOptions } from '../../src/dev/service-account-token.js';
import { issuerA, issuerB } from '../support/hub.js';
import type { AttackCase, Forge } from './attack-case.js';
import { base64url, claimsWithRawMember, replaceSegment, segmentsOf, signedRaw } from './forge.js';

/** A genuine token of cluster A with claims computed from the hub's clock. */
function claimsOfA(claims: (nowSec: number) => Record<string, unknown>): (f: Forge) => string {
  return (f) => f.valid(f.clusterA, { claims: claims(f.nowSec()) });
}

function signedBy(
  cluster: 'A' | 'B',
  options: (f: Forge) => MintTokenOptions,
): (f: Forge) => string {
  return (f) => f.valid(cluster === 'A' ? f.clusterA : f.clusterB, options(f));
}

/** The issuer of the Authorization that names cluster-a although A's issuer differs. */
export const misnamedIssuer = 'https://oidc.not-cluster-a.example.com';

const yearSec = 365 * 24 * 3600;

const time: AttackCase[] = [
  {
    name: 'exp 31 s ago (beyond the 30 s skew)',
    target: 'A',
    reason: 'TokenExpired',
    forge: claimsOfA((now) => ({ exp: now - 31 })),
  },
  {
    name: 'exp exactly 30 s ago (the skew boundary is exclusive)',
    target: 'A',
    reason: 'TokenExpired',
    forge: claimsOfA((now) => ({ exp: now - 30 })),
  },
  {
    name: 'exp 30.5 s ago as a float',
    target: 'A',
    reason: 'TokenExpired',
    forge: claimsOfA((now) => ({ exp: now - 30.5 })),
  },
  { name: 'exp 0', target: 'A', reason: 'TokenExpired', forge: claimsOfA(() => ({ exp: 0 })) },
  {
    name: 'exp negative',
    target: 'A',
    reason: 'TokenExpired',
    forge: claimsOfA(() => ({ exp: -1 })),
  },
  {
    name: 'exp as a numeric string',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'exp',
    forge: claimsOfA((now) => ({ exp: String(now + 600) })),
  },
  {
    name: 'exp as a boolean',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'exp',
    forge: claimsOfA(() => ({ exp: true })),
  },
  {
    name: 'exp as null',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'exp',
    forge: claimsOfA(() => ({ exp: null })),
  },
  {
    name: 'exp missing',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'exp',
    forge: claimsOfA(() => ({ exp: undefined })),
  },
  {
    name: 'nbf 31 s ahead (beyond the skew)',
    target: 'A',
    reason: 'TokenNotYetValid',
    forge: claimsOfA((now) => ({ nbf: now + 31 })),
  },
  {
    name: 'nbf as null',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'nbf',
    forge: claimsOfA(() => ({ nbf: null })),
  },
  {
    name: 'nbf as a string',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'nbf',
    forge: claimsOfA(() => ({ nbf: 'yesterday' })),
  },
  {
    name: 'iat 31 s ahead (beyond the skew)',
    target: 'A',
    reason: 'TokenNotYetValid',
    forge: claimsOfA((now) => ({ iat: now + 31 })),
  },
  {
    name: 'iat ten years ahead',
    target: 'A',
    reason: 'TokenNotYetValid',
    forge: claimsOfA((now) => ({ iat: now + 10 * yearSec, exp: now + 11 * yearSec })),
  },
  {
    name: 'iat as a string',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'iat',
    forge: claimsOfA((now) => ({ iat: String(now) })),
  },
  {
    name: "an expired token whose exp the attacker moved forward (cluster's signature kept)",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => {
      const expired = f.valid(f.clusterA, { issuedAtSec: f.nowSec() - 7200, lifetimeSec: 3600 });
      const claims = { ...f.claimsOf(f.clusterA), exp: f.nowSec() + 3600 };
      return replaceSegment(expired, 1, base64url(JSON.stringify(claims)));
    },
  },
];

const subject: AttackCase[] = [
  ['sub missing', undefined],
  ['sub as a number', 42],
  ['sub as an empty string', ''],
  ['sub as null', null],
  ['sub as an array holding the granted subject', ['system:serviceaccount:app:app-sa']],
  ['sub as an object', { name: 'system:serviceaccount:app:app-sa' }],
].map(([name, sub]): AttackCase => ({
  name: String(name),
  target: 'A',
  reason: 'TokenClaimInvalid',
  claim: 'sub',
  forge: claimsOfA(() => ({ sub })),
}));

const issuer: AttackCase[] = [
  {
    name: 'iss missing',
    target: 'A',
    reason: 'TokenMalformed',
    forge: claimsOfA(() => ({ iss: undefined })),
  },
  {
    name: 'iss empty',
    target: 'A',
    reason: 'TokenMalformed',
    forge: claimsOfA(() => ({ iss: '' })),
  },
  {
    name: 'iss as a number',
    target: 'A',
    reason: 'TokenMalformed',
    forge: claimsOfA(() => ({ iss: 1 })),
  },
  {
    name: "iss as an array holding cluster A's issuer",
    target: 'A',
    reason: 'TokenMalformed',
    forge: claimsOfA(() => ({ iss: [issuerA] })),
  },
  {
    name: "iss of cluster A with a trailing slash, signed with A's valid key",
    target: 'A',
    reason: 'UnknownIssuer',
    forge: claimsOfA(() => ({ iss: `${issuerA}/` })),
  },
  {
    name: "iss of cluster A in upper case, signed with A's valid key",
    target: 'A',
    reason: 'UnknownIssuer',
    forge: claimsOfA(() => ({ iss: issuerA.toUpperCase() })),
  },
  {
    name: "an issuer no Authorization names, signed with A's valid key",
    target: 'A',
    reason: 'UnknownIssuer',
    forge: claimsOfA(() => ({ iss: 'https://attacker.example.com' })),
  },
  {
    name: "an issuer that an Authorization (wrongly) ties to cluster-a, signed with A's valid key",
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'iss',
    forge: claimsOfA(() => ({ iss: misnamedIssuer })),
  },
  {
    name: "cluster A's valid key signing a token that claims cluster B's issuer",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: signedBy('A', () => ({ claims: { iss: issuerB } })),
  },
  {
    name: "cluster B's valid key signing a token that claims cluster A's issuer",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedBy('B', () => ({ claims: { iss: issuerA } })),
  },
];

const infiniteExp: AttackCase = {
  name: 'exp 1e400, which JSON.parse reads as Infinity: a token that would never expire',
  target: 'A',
  reason: 'TokenClaimInvalid',
  claim: 'exp',
  forge: (f) =>
    signedRaw(
      f.clusterA.signingKey,
      claimsWithRawMember(f.claimsOf(f.clusterA), 'exp', '"exp":1e400'),
    ),
};

const kubernetesClaim: AttackCase[] = [
  ['kubernetes.io as a string', 'app'],
  ['kubernetes.io as an array', [{ namespace: 'app' }]],
  ['kubernetes.io as null', null],
  ['kubernetes.io as a number', 7],
  ['kubernetes.io with a namespace that is a number', { namespace: 42 }],
  ['kubernetes.io with a service account that is a string', { serviceaccount: 'app-sa' }],
  ['kubernetes.io with a pod that is an array', { pod: ['app-0'] }],
  ['kubernetes.io with a pod uid that is a number', { pod: { name: 'app-0', uid: 7 } }],
].map(([name, value]): AttackCase => ({
  name: String(name),
  target: 'A',
  reason: 'TokenClaimInvalid',
  claim: 'kubernetes.io',
  forge: claimsOfA(() => ({ 'kubernetes.io': value })),
}));

/**
 * The payload of a genuine token with one member appended as raw JSON text, so the claim
 * appears twice; the cluster's signature over the original payload is kept.
 */
function appendMember(token: string, member: string): string {
  const payload = Buffer.from(segmentsOf(token)[1] ?? '', 'base64url').toString('utf8');
  return replaceSegment(token, 1, base64url(`${payload.slice(0, -1)},${member}}`));
}

/** Cluster A's claims without `claim`, which only a `__proto__` member carries. */
function inPrototype(claim: string, value: string): (f: Forge) => string {
  const member = `"__proto__":{${JSON.stringify(claim)}:${JSON.stringify(value)}}`;
  return (f) =>
    signedRaw(f.clusterA.signingKey, claimsWithRawMember(f.claimsOf(f.clusterA), claim, member));
}

const pollution: AttackCase[] = [
  {
    name: 'sub only inside a "__proto__" member (prototype pollution)',
    target: 'A',
    reason: 'TokenClaimInvalid',
    claim: 'sub',
    forge: inPrototype('sub', 'system:serviceaccount:app:app-sa'),
  },
  {
    name: 'iss only inside a "__proto__" member (prototype pollution)',
    target: 'A',
    reason: 'TokenMalformed',
    forge: inPrototype('iss', issuerA),
  },
];

const duplicates: AttackCase[] = [
  {
    name: 'a second sub appended to a token of an ungranted service account (tampering)',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      appendMember(
        f.valid(f.clusterA, { serviceAccount: 'other-sa' }),
        '"sub":"system:serviceaccount:app:app-sa"',
      ),
  },
  {
    name: 'a second exp, far ahead, appended to an expired token (tampering)',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      appendMember(
        f.valid(f.clusterA, { issuedAtSec: f.nowSec() - 7200, lifetimeSec: 3600 }),
        `"exp":${f.nowSec() + 3600}`,
      ),
  },
];

export const claimCases: AttackCase[] = [
  infiniteExp,
  ...time,
  ...subject,
  ...issuer,
  ...kubernetesClaim,
  ...pollution,
  ...duplicates,
];
