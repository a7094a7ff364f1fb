/**
 * Tokens genuinely signed by a cluster, with an oddity the hub accepts: boundaries of the
 * skew, and members that only the cluster itself could have put there. They pin the
 * behaviour next to the attacks, so a change in either direction is noticed.
 */
import type { AcceptedCase, Forge } from './attack-case.js';
import { claimsWithRawMember, replaceSegment, segmentsOf, signedRaw } from './forge.js';

function claimsOfA(claims: (nowSec: number) => Record<string, unknown>): (f: Forge) => string {
  return (f) => f.valid(f.clusterA, { claims: claims(f.nowSec()) });
}

/** A payload of cluster A with `sub` twice, as raw JSON text, signed by cluster A. */
function duplicateSubjects(first: string, last: string): (f: Forge) => string {
  return (f) =>
    signedRaw(
      f.clusterA.signingKey,
      claimsWithRawMember(
        { ...f.claimsOf(f.clusterA), sub: first },
        '',
        `"sub":${JSON.stringify(last)}`,
      ),
    );
}

/** Changes the unused low bits of a segment's last character: the same bytes decode. */
function withNonCanonicalTail(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment.slice(-1));
  return `${segment.slice(0, -1)}${alphabet[last ^ 1] ?? ''}`;
}

const granted = 'system:serviceaccount:app:app-sa';
const ungranted = 'system:serviceaccount:app:other-sa';

/** 1 January 3000, in seconds since the epoch. */
const year3000Sec = Date.UTC(3000, 0, 1) / 1000;

export const acceptedCases: AcceptedCase[] = [
  {
    name: 'exp 29 s ago, within the 30 s skew',
    target: 'A',
    status: 200,
    forge: claimsOfA((now) => ({ exp: now - 29 })),
  },
  {
    name: 'nbf exactly 30 s ahead, at the skew boundary',
    target: 'A',
    status: 200,
    forge: claimsOfA((now) => ({ nbf: now + 30 })),
  },
  {
    name: 'iat exactly 30 s ahead, at the skew boundary',
    target: 'A',
    status: 200,
    forge: claimsOfA((now) => ({ iat: now + 30 })),
  },
  {
    name: 'exp as a float ahead (a NumericDate may be fractional, RFC 7519 §2)',
    target: 'A',
    status: 200,
    forge: claimsOfA((now) => ({ exp: now + 600.5 })),
  },
  {
    name: 'exp in the year 3000: the hub sets no upper bound on a token lifetime',
    target: 'A',
    status: 200,
    forge: claimsOfA(() => ({ exp: year3000Sec })),
  },
  {
    name: 'no kid: cluster A has exactly one key that fits RS256',
    target: 'A',
    status: 200,
    forge: (f) => f.valid(f.clusterA, { header: { kid: undefined } }),
  },
  {
    name: 'typ "JWE" on a genuine JWS: typ is not interpreted',
    target: 'A',
    status: 200,
    forge: (f) => f.valid(f.clusterA, { header: { typ: 'JWE' } }),
  },
  {
    name: 'alg "RS256" written with a JSON unicode escape: the same JSON string',
    target: 'A',
    status: 200,
    forge: (f) =>
      signedRaw(
        f.clusterA.signingKey,
        JSON.stringify(f.claimsOf(f.clusterA)),
        `{"alg":"\\u0052S256","kid":${JSON.stringify(f.clusterA.signingKey.kid)}}`,
      ),
  },
  {
    name: 'genuine signature whose base64url has other unused trailing bits: the same bytes',
    target: 'A',
    status: 200,
    forge: (f) => {
      const token = f.valid(f.clusterA);
      return replaceSegment(token, 2, withNonCanonicalTail(segmentsOf(token)[2] ?? ''));
    },
  },
  {
    name: 'b64 false without crit: ignored, as RFC 7797 §6 requires',
    target: 'A',
    status: 200,
    forge: (f) => f.valid(f.clusterA, { header: { b64: false } }),
  },
  {
    name: 'duplicate sub in a payload the cluster signed: the last (granted) one counts',
    target: 'A',
    status: 200,
    forge: duplicateSubjects(ungranted, granted),
  },
  {
    name: 'duplicate sub in a payload the cluster signed: the last (ungranted) one counts',
    target: 'A',
    status: 404,
    forge: duplicateSubjects(granted, ungranted),
  },
];
