/**
 * Attacks on `alg`: unsecured tokens, HMAC keyed with the issuer's public key, and
 * algorithms that do not fit the key the `kid` names.
 */
import { randomBytes } from 'node:crypto';

import type { PublicJwk } from '../../src/dev/signing-key.js';
import type { AttackCase, Forge } from './attack-case.js';
import {
  base64url,
  ecdsaSigner,
  fixedSignature,
  hmacSigner,
  jws,
  rawJws,
  replaceSegment,
  rsaPssSigner,
  rsaSigner,
} from './forge.js';

const unsecuredSpellings = ['none', 'None', 'NONE', 'nOnE'];

const unsecured: AttackCase[] = unsecuredSpellings.flatMap((alg): AttackCase[] => [
  {
    name: `alg "${alg}" with an empty signature`,
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg, kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        fixedSignature(new Uint8Array()),
      ),
  },
  {
    name: `alg "${alg}" keeping the genuine RS256 signature of the token`,
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      replaceSegment(
        f.valid(f.clusterA),
        0,
        base64url(JSON.stringify({ alg, kid: f.clusterA.signingKey.kid })),
      ),
  },
]);

/** The public key of cluster A in every form an HMAC confusion attack feeds as the secret. */
const publicKeyForms: [string, (f: Forge) => string | Uint8Array][] = [
  ['its SPKI PEM', (f) => f.clusterA.signingKey.publicKeyPem],
  [
    'its PKCS#1 PEM',
    (f) => String(f.clusterA.signingKey.publicKey.export({ type: 'pkcs1', format: 'pem' })),
  ],
  ['its JWK as JSON', (f) => JSON.stringify(f.clusterA.signingKey.jwk)],
  ['its modulus bytes', (f) => modulusOf(f.clusterA.signingKey.jwk)],
];

function modulusOf(jwk: PublicJwk): Buffer {
  if (jwk.kty !== 'RSA') throw new Error('cluster A signs with an RSA key');
  return Buffer.from(jwk.n, 'base64url');
}

const hmacConfusion: AttackCase[] = (['HS256', 'HS384', 'HS512'] as const).flatMap((alg) =>
  publicKeyForms.map(([form, secretOf]): AttackCase => ({
    name: `${alg} keyed with cluster A's RSA public key as ${form}`,
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg, kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        hmacSigner(alg, secretOf(f)),
      ),
  })),
);

const mismatched: AttackCase[] = [
  {
    name: "HS256 keyed with cluster B's EC public key PEM",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'HS256', kid: f.clusterB.signingKey.kid },
        f.claimsOf(f.clusterB),
        hmacSigner('HS256', f.clusterB.signingKey.publicKeyPem),
      ),
  },
  {
    name: "ES256 token (attacker's EC key) naming the kid of cluster A's RSA key",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'ES256', kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        ecdsaSigner(f.attackerEc.privateKey),
      ),
  },
  {
    name: "RS256 token (attacker's RSA key) naming the kid of cluster B's EC key",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'RS256', kid: f.clusterB.signingKey.kid },
        f.claimsOf(f.clusterB),
        rsaSigner(f.attackerRsa.privateKey, 'sha256'),
      ),
  },
  {
    name: "PS256 genuinely signed with cluster A's key, whose JWK pins alg RS256",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'PS256', kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        rsaPssSigner(f.clusterA.signingKey.privateKey, 'sha256'),
      ),
  },
  {
    name: "RS512 genuinely signed with cluster A's key, whose JWK pins alg RS256",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'RS512', kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        rsaSigner(f.clusterA.signingKey.privateKey, 'sha512'),
      ),
  },
  {
    name: "ES384 label on a genuine ES256 signature of cluster B's P-256 key",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'ES384', kid: f.clusterB.signingKey.kid },
        f.claimsOf(f.clusterB),
        ecdsaSigner(f.clusterB.signingKey.privateKey),
      ),
  },
  {
    name: "EdDSA label with the kid of cluster A's RSA key",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'EdDSA', kid: f.clusterA.signingKey.kid },
        f.claimsOf(f.clusterA),
        fixedSignature(randomBytes(64)),
      ),
  },
  {
    name: 'alg "rs256" in lower case on a genuine RS256 signature',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { alg: 'rs256' } }),
  },
  {
    name: 'alg missing from the header of a genuine RS256 signature',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { alg: undefined } }),
  },
  {
    name: 'alg as an empty string',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { alg: '' } }),
  },
  {
    name: 'alg as an array ["RS256"]',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { alg: ['RS256'] } }),
  },
  {
    name: 'alg "RSA-OAEP", a JWE key management algorithm',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { alg: 'RSA-OAEP' } }),
  },
  {
    name: 'alg "none" written with a JSON unicode escape, no signature',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      rawJws(
        `{"alg":"\\u006eone","kid":${JSON.stringify(f.clusterA.signingKey.kid)}}`,
        JSON.stringify(f.claimsOf(f.clusterA)),
        fixedSignature(new Uint8Array()),
      ),
  },
  {
    name: 'duplicate alg members, RS256 first and none last, no signature',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      rawJws(
        `{"alg":"RS256","kid":${JSON.stringify(f.clusterA.signingKey.kid)},"alg":"none"}`,
        JSON.stringify(f.claimsOf(f.clusterA)),
        fixedSignature(new Uint8Array()),
      ),
  },
  {
    name: "duplicate alg members, none first and RS256 last, signed by the attacker's key",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      rawJws(
        `{"alg":"none","kid":${JSON.stringify(f.clusterA.signingKey.kid)},"alg":"RS256"}`,
        JSON.stringify(f.claimsOf(f.clusterA)),
        rsaSigner(f.attackerRsa.privateKey, 'sha256'),
      ),
  },
];

export const algorithmCases: AttackCase[] = [...unsecured, ...hmacConfusion, ...mismatched];
