/**
 * Building blocks for forged ServiceAccount tokens: raw compact JWS from hand-written JSON,
 * signers for every algorithm family an attacker might try, and surgery on token segments.
 */
import { constants, createHmac, sign, type KeyObject } from 'node:crypto';

import { signWithKey, type SigningKey } from '../../src/dev/signing-key.js';

/** Produces the signature bytes of a JWS signing input (`header.payload` as ASCII). */
export type Signer = (signingInput: Uint8Array) => Uint8Array;

type Hash = 'sha256' | 'sha384' | 'sha512';

const hashOfHmac = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** The order n of the P-256 group (SEC 2 §2.4.2): r and s must lie in [1, n-1]. */
export const p256Order = Buffer.from(
  'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551',
  'hex',
);

export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * Compact JWS from header and payload text (or bytes) exactly as given: duplicate members,
 * escapes and invalid UTF-8 survive.
 */
export function rawJws(
  headerJson: string | Uint8Array,
  payloadJson: string | Uint8Array,
  signer: Signer,
): string {
  const signingInput = `${base64url(headerJson)}.${base64url(payloadJson)}`;
  return `${signingInput}.${base64url(signer(Buffer.from(signingInput, 'ascii')))}`;
}

/** A raw payload genuinely signed with a cluster's key, under the header a cluster uses. */
export function signedRaw(
  key: SigningKey,
  payloadJson: string | Uint8Array,
  headerJson: string = JSON.stringify({ alg: key.alg, kid: key.kid }),
): string {
  return rawJws(headerJson, payloadJson, (input) => signWithKey(key, input));
}

/** The JSON text of `claims` without `remove`, with `member` (raw JSON text) appended. */
export function claimsWithRawMember(
  claims: Record<string, unknown>,
  remove: string,
  member: string,
): string {
  const kept = Object.fromEntries(Object.entries(claims).filter(([name]) => name !== remove));
  return `${JSON.stringify(kept).slice(0, -1)},${member}}`;
}

/** Compact JWS of two JSON values; the segments are encoded without any check. */
export function jws(header: unknown, payload: unknown, signer: Signer): string {
  return rawJws(JSON.stringify(header), JSON.stringify(payload), signer);
}

/** A signer that returns fixed bytes, e.g. none at all for an unsecured JWS. */
export function fixedSignature(bytes: Uint8Array): Signer {
  return () => bytes;
}

export function hmacSigner(alg: keyof typeof hashOfHmac, secret: string | Uint8Array): Signer {
  return (input) => createHmac(hashOfHmac[alg], secret).update(input).digest();
}

/** RSASSA-PKCS1-v1_5 (RS256/384/512). */
export function rsaSigner(key: KeyObject, hash: Hash): Signer {
  return (input) => sign(hash, input, key);
}

/** RSASSA-PSS with a salt as long as the hash, as RFC 7518 §3.5 requires (PS256/384/512). */
export function rsaPssSigner(key: KeyObject, hash: Hash): Signer {
  const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[hash];
  return (input) =>
    sign(hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

/** ECDSA; JWS wants `ieee-p1363` (r || s), `der` is the ASN.1 form JWS does not allow. */
export function ecdsaSigner(key: KeyObject, encoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): Signer {
  return (input) => sign('sha256', input, { key, dsaEncoding: encoding });
}

/** An ES256 signature (r || s, 32 bytes each) with r and/or s replaced. */
export function withEcdsaScalars(
  signature: Uint8Array,
  replace: { r?: Uint8Array; s?: Uint8Array },
): Uint8Array {
  const r = replace.r ?? signature.subarray(0, 32);
  const s = replace.s ?? signature.subarray(32, 64);
  return Buffer.concat([r, s]);
}

/** The three segments of a compact token (fewer or more when it has another shape). */
export function segmentsOf(token: string): string[] {
  return token.split('.');
}

/** The JSON of one segment of a token, decoded without any check. */
export function decodeSegment(token: string, index: number): Record<string, unknown> {
  const segment = segmentsOf(token)[index] ?? '';
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The token with one segment replaced by `segment` (already encoded). */
export function replaceSegment(token: string, index: number, segment: string): string {
  const segments = segmentsOf(token);
  segments[index] = segment;
  return segments.join('.');
}

/** The token in the standard base64 alphabet with `=` padding, segment by segment. */
export function toStandardBase64(token: string): string {
  return segmentsOf(token)
    .map((segment) => Buffer.from(segment, 'base64url').toString('base64'))
    .join('.');
}

/** A PEM certificate as the base64 DER an `x5c` header carries (RFC 7515 §4.1.6). */
export function x5cOf(certificatePem: string): string {
  return certificatePem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}
