/**
 * Attacks on the compact serialization and on the signature bytes: wrong segment counts,
 * non-JSON or non-object segments, non-base64url text, a huge token, and ECDSA signatures
 * with out-of-range scalars.
 */
import type { AttackCase, Forge } from './attack-case.js';
import {
  base64url,
  ecdsaSigner,
  fixedSignature,
  jws,
  p256Order,
  rsaSigner,
  replaceSegment,
  segmentsOf,
  signedRaw,
  toStandardBase64,
  withEcdsaScalars,
} from './forge.js';

function validA(f: Forge): string {
  return f.valid(f.clusterA);
}

const shape: AttackCase[] = [
  {
    name: 'a 60 KiB token (headers above the 16 KiB limit)',
    target: 'A',
    reason: 'HeadersTooLarge',
    forge: (f) =>
      jws(
        { alg: 'RS256', kid: f.clusterA.signingKey.kid },
        { ...f.claimsOf(f.clusterA), padding: 'p'.repeat(45 * 1024) },
        rsaSigner(f.attackerRsa.privateKey, 'sha256'),
      ),
  },
  {
    name: 'header segment that is not JSON',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 0, base64url('{alg: RS256')),
  },
  {
    name: 'payload segment that is not JSON',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 1, base64url('iss=https://oidc.cluster-a')),
  },
  {
    name: 'payload that is a JSON array of the claims',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 1, base64url(JSON.stringify([f.claimsOf(f.clusterA)]))),
  },
  {
    name: 'payload that is a JSON string',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 1, base64url(JSON.stringify('claims'))),
  },
  {
    name: 'payload that is JSON null',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 1, base64url('null')),
  },
  {
    name: 'header that is a JSON array',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 0, base64url('["RS256"]')),
  },
  {
    name: 'empty header segment',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => replaceSegment(validA(f), 0, ''),
  },
  {
    name: 'invalid UTF-8 inside a genuinely signed payload',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      const claims = JSON.stringify({ ...f.claimsOf(f.clusterA), note: '#' });
      const [before = '', after = ''] = claims.split('#');
      const bytes = Buffer.concat([
        Buffer.from(before),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(after),
      ]);
      return signedRaw(f.clusterA.signingKey, bytes);
    },
  },
  {
    name: 'a byte order mark before a genuinely signed payload',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) =>
      signedRaw(f.clusterA.signingKey, `\ufeff${JSON.stringify(f.claimsOf(f.clusterA))}`),
  },
  {
    name: 'segments with base64 padding "="',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) =>
      segmentsOf(validA(f))
        .map((segment) => segment.padEnd(Math.ceil(segment.length / 4) * 4, '='))
        .join('.'),
  },
  {
    name: 'segments in the standard base64 alphabet "+/"',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      // Mints until the re-encoding really holds a "+" or "/" (nearly always at once).
      for (;;) {
        const token = toStandardBase64(validA(f));
        if (/[+/]/.test(token)) return token;
      }
    },
  },
  {
    name: 'five segments, the JWE shape',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      const header = base64url(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' }));
      const [, payload = '', signature = ''] = segmentsOf(validA(f));
      return [header, signature, base64url('twelve bytes'), payload, base64url('tag')].join('.');
    },
  },
  {
    name: 'a genuine token with a fourth segment appended',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => `${validA(f)}.${base64url('extra')}`,
  },
  {
    name: 'two segments (signature and its dot removed)',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => segmentsOf(validA(f)).slice(0, 2).join('.'),
  },
  {
    name: 'the JWS JSON serialization instead of the compact one',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      const [protectedHeader, payload, signature] = segmentsOf(validA(f));
      return JSON.stringify({ protected: protectedHeader, payload, signature });
    },
  },
];

const signature: AttackCase[] = [
  {
    name: 'empty signature after a genuine header and payload',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => replaceSegment(validA(f), 2, ''),
  },
  {
    name: 'a genuine token with one signature byte changed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => {
      const bytes = Buffer.from(segmentsOf(validA(f))[2] ?? '', 'base64url');
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      return replaceSegment(validA(f), 2, base64url(bytes));
    },
  },
  {
    name: 'the same claims re-encoded with whitespace, signature kept',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => {
      const token = validA(f);
      const claims = JSON.parse(
        Buffer.from(segmentsOf(token)[1] ?? '', 'base64url').toString('utf8'),
      ) as unknown;
      return replaceSegment(token, 1, base64url(JSON.stringify(claims, null, 1)));
    },
  },
];

/** A genuine token of cluster B whose ES256 signature bytes are replaced by `bytesOf`. */
function ecdsaToken(bytesOf: (genuine: Uint8Array) => Uint8Array): (f: Forge) => string {
  return (f) => {
    const token = f.valid(f.clusterB);
    const genuine = Buffer.from(segmentsOf(token)[2] ?? '', 'base64url');
    return replaceSegment(token, 2, base64url(bytesOf(genuine)));
  };
}

const zero32 = new Uint8Array(32);

const ecdsa: AttackCase[] = [
  {
    name: 'ECDSA r = s = 0 (64 zero bytes) for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken(() => new Uint8Array(64)),
  },
  {
    name: 'ECDSA r = s = 0 and no kid for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) => jws({ alg: 'ES256' }, f.claimsOf(f.clusterB), fixedSignature(new Uint8Array(64))),
  },
  {
    name: 'ECDSA r = s = n (the curve order) for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken(() => Buffer.concat([p256Order, p256Order])),
  },
  {
    name: 'ECDSA r = n with a genuine s for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken((genuine) => withEcdsaScalars(genuine, { r: p256Order })),
  },
  {
    name: 'ECDSA genuine r with s = n for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken((genuine) => withEcdsaScalars(genuine, { s: p256Order })),
  },
  {
    name: 'ECDSA genuine r with s = 0 for cluster B',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken((genuine) => withEcdsaScalars(genuine, { s: zero32 })),
  },
  {
    name: "ECDSA signature of cluster B's key in DER form instead of r || s",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'ES256', kid: f.clusterB.signingKey.kid },
        f.claimsOf(f.clusterB),
        ecdsaSigner(f.clusterB.signingKey.privateKey, 'der'),
      ),
  },
  {
    name: "ECDSA signature of cluster B's key truncated to 63 bytes",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: ecdsaToken((genuine) => genuine.subarray(0, 63)),
  },
];

export const encodingCases: AttackCase[] = [...shape, ...signature, ...ecdsa];
