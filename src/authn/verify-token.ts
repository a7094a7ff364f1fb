import { errors, jwtVerify, type JWTPayload } from 'jose';

import { FederationError } from '../errors.js';
import type { Identity } from './identity.js';
import type { VerificationKey } from './verification-key.js';

/** What a token must satisfy to be accepted through one federation. */
export interface TokenExpectations {
  /** Name of the federation, recorded in the identity. */
  federation: string;
  /** The `iss` the token must carry. */
  issuer: string;
  /** When non-empty, `aud` must contain at least one of these. */
  audiences?: readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. */
  clockToleranceSec: number;
  /** The current time in milliseconds since the epoch. */
  nowMs: number;
}

/**
 * Verifies a ServiceAccount token with one chosen key and returns the identity it proves.
 * Every failure is a `FederationError` with a fixed message; jose's errors, which carry the
 * decoded payload, never leave this function.
 */
export async function verifyServiceAccountToken(
  token: string,
  key: VerificationKey,
  expected: TokenExpectations,
): Promise<Identity> {
  let payload: JWTPayload;
  try {
    const audiences = expected.audiences?.length ? [...expected.audiences] : undefined;
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [...key.algorithms],
      issuer: expected.issuer,
      audience: audiences,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: expected.clockToleranceSec,
      currentDate: new Date(expected.nowMs),
    }));
  } catch (error) {
    throw fromJoseError(error);
  }

  // jose checks `iat` only against a maximum age; a token from the future is not valid yet.
  const nowSec = expected.nowMs / 1000;
  if (typeof payload.iat === 'number' && payload.iat > nowSec + expected.clockToleranceSec) {
    throw new FederationError('TokenNotYetValid', undefined, 'iat is in the future');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw claimInvalid('sub');
  // `1e400` parses as Infinity and would never expire.
  if (!Number.isFinite(payload.exp)) throw claimInvalid('exp');

  return identityFrom(expected.federation, payload);
}

/** The identity of a verified payload; the `kubernetes.io` claim is optional. */
function identityFrom(federation: string, payload: JWTPayload): Identity {
  const identity: Identity = {
    federation,
    issuer: payload.iss as string,
    subject: payload.sub as string,
    expiresAt: payload.exp as number,
  };
  if (typeof payload.jti === 'string' && payload.jti !== '') identity.tokenId = payload.jti;

  const claim = payload['kubernetes.io'];
  if (claim === undefined) return identity;
  if (!isObject(claim)) throw claimInvalid('kubernetes.io');

  // A member of the wrong type is refused rather than dropped: generator state ownership
  // and revocation rely on the namespace, service account and pod being what they seem.
  if (claim.namespace !== undefined) {
    if (typeof claim.namespace !== 'string') throw claimInvalid('kubernetes.io');
    identity.namespace = claim.namespace;
  }
  if (claim.serviceaccount !== undefined) {
    identity.serviceAccount = namedObject(claim.serviceaccount);
  }
  if (claim.pod !== undefined) identity.pod = namedObject(claim.pod);
  return identity;
}

/** `{name, uid?}` of a service account or pod; anything else is an invalid claim. */
function namedObject(value: unknown): { name: string; uid?: string } {
  if (!isObject(value) || typeof value.name !== 'string') throw claimInvalid('kubernetes.io');
  if (value.uid === undefined) return { name: value.name };
  if (typeof value.uid !== 'string') throw claimInvalid('kubernetes.io');
  return { name: value.name, uid: value.uid };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Claims named in messages; anything else is reported without a name. */
const knownClaims = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'kubernetes.io']);

function claimInvalid(claim: string): FederationError {
  const name = knownClaims.has(claim) ? claim : undefined;
  const message = name ? `the token claim "${name}" is not acceptable` : undefined;
  return new FederationError('TokenClaimInvalid', message, name ? `claim ${name}` : 'claim');
}

function fromJoseError(error: unknown): FederationError {
  if (error instanceof errors.JWTExpired) {
    return new FederationError('TokenExpired', undefined, 'exp has passed');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') {
      return new FederationError('TokenNotYetValid', undefined, 'nbf is in the future');
    }
    return claimInvalid(error.claim);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new FederationError('TokenMalformed', undefined, 'jose: invalid JWS or JWT');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new FederationError('TokenUnverifiable', undefined, 'algorithm not allowed for the key');
  }
  if (error instanceof errors.JOSENotSupported) {
    return new FederationError('TokenUnverifiable', undefined, 'unsupported header or algorithm');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new FederationError('TokenUnverifiable', undefined, 'signature mismatch');
  }
  return new FederationError('TokenUnverifiable', undefined, 'verification failed');
}
