/**
 * Attacks through other header members: `kid` values meant for a file path or a query,
 * headers that carry or point at the attacker's key, `crit`, `b64`, `typ` and `cty`.
 */
import type { AttackCase, Forge } from './attack-case.js';
import { base64url, ecdsaSigner, jws, rsaSigner, signedRaw, x5cOf } from './forge.js';

/** A genuine token of cluster A whose `kid` is replaced: only a strict kid match refuses it. */
function withKid(kid: unknown): (f: Forge) => string {
  return (f) => f.valid(f.clusterA, { header: { kid } });
}

const kidValues: AttackCase[] = [
  {
    name: 'kid with path traversal "../../etc/passwd"',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: withKid('../../etc/passwd'),
  },
  {
    name: 'kid pointing at /dev/null, as for an empty HMAC key',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: withKid('../../../../../../dev/null'),
  },
  {
    name: `kid with an SQL injection "' OR 1=1 --"`,
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: withKid("' OR 1=1 --"),
  },
  {
    name: 'kid of 10 KiB (the token still fits under the header limit)',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: withKid('k'.repeat(10 * 1024)),
  },
  {
    name: 'kid with CR LF and a forged log line',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: withKid('x\r\n{"level":50,"msg":"forged"}'),
  },
  {
    name: "kid equal to cluster A's kid but in upper case",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => f.valid(f.clusterA, { header: { kid: f.clusterA.signingKey.kid.toUpperCase() } }),
  },
  { name: 'kid as an empty string', target: 'A', reason: 'TokenUnverifiable', forge: withKid('') },
  { name: 'kid as a number', target: 'A', reason: 'TokenMalformed', forge: withKid(1) },
  {
    name: 'kid as an object {"$ne": null}',
    target: 'A',
    reason: 'TokenMalformed',
    forge: withKid({ $ne: null }),
  },
  { name: 'kid as null', target: 'A', reason: 'TokenMalformed', forge: withKid(null) },
  { name: 'kid as an array', target: 'A', reason: 'TokenMalformed', forge: withKid(['a', 'b']) },
];

/** Claims of cluster A signed RS256 by the attacker, with extra header members. */
function attackerRsaToken(f: Forge, header: Record<string, unknown>): string {
  return jws(
    { alg: 'RS256', ...header },
    f.claimsOf(f.clusterA),
    rsaSigner(f.attackerRsa.privateKey, 'sha256'),
  );
}

const keyInjection: AttackCase[] = [
  {
    name: "jku (http) to the attacker's JWKS, with the attacker's kid",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      attackerRsaToken(f, {
        kid: f.attackerRsa.kid,
        jku: `${f.attackerServer.httpUrl}/openid/v1/jwks`,
      }),
  },
  {
    name: "jku (https) to the attacker's JWKS, with cluster A's kid",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      attackerRsaToken(f, {
        kid: f.clusterA.signingKey.kid,
        jku: `${f.attackerServer.httpsUrl}/.well-known/jwks.json`,
      }),
  },
  {
    name: "x5u to the attacker's certificate, with the attacker's kid",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      attackerRsaToken(f, { kid: f.attackerRsa.kid, x5u: `${f.attackerServer.httpUrl}/cert.pem` }),
  },
  {
    name: "embedded jwk of the attacker's RSA key, with cluster A's kid",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => attackerRsaToken(f, { kid: f.clusterA.signingKey.kid, jwk: f.attackerRsa.jwk }),
  },
  {
    name: "embedded jwk of the attacker's RSA key and no kid",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => attackerRsaToken(f, { jwk: f.attackerRsa.jwk }),
  },
  {
    name: "x5c with the attacker's certificate chain, ES256 with cluster B's kid",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        {
          alg: 'ES256',
          kid: f.clusterB.signingKey.kid,
          x5c: f.attackerCertificate.chainPem.map(x5cOf),
        },
        f.claimsOf(f.clusterB),
        ecdsaSigner(f.attackerCertificate.key),
      ),
  },
  {
    name: "embedded jwk of the attacker's EC key, ES256 with cluster B's kid",
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        { alg: 'ES256', kid: f.clusterB.signingKey.kid, jwk: f.attackerEc.jwk },
        f.claimsOf(f.clusterB),
        ecdsaSigner(f.attackerEc.privateKey),
      ),
  },
  {
    name: 'jku, x5u, x5c and jwk together, all naming the attacker, with its kid',
    target: 'B',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      jws(
        {
          alg: 'ES256',
          kid: f.attackerEc.kid,
          jku: `${f.attackerServer.httpsUrl}/jwks`,
          x5u: `${f.attackerServer.httpUrl}/cert.pem`,
          x5c: f.attackerCertificate.chainPem.map(x5cOf),
          jwk: f.attackerEc.jwk,
        },
        f.claimsOf(f.clusterB),
        ecdsaSigner(f.attackerEc.privateKey),
      ),
  },
];

/** A token genuinely signed by cluster A with extra header members. */
function signedByA(header: Record<string, unknown>): (f: Forge) => string {
  return (f) => f.valid(f.clusterA, { header });
}

const critical: AttackCase[] = [
  {
    name: 'crit naming an unknown extension, genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: ['x-attack'], 'x-attack': true }),
  },
  {
    name: 'crit naming the registered claim "exp", genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: ['exp'], exp: 1 }),
  },
  {
    name: 'crit naming b64 with b64 true, genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: ['b64'], b64: true }),
  },
  {
    name: 'crit as an empty array, genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: [] }),
  },
  {
    name: 'crit as a string instead of an array, genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: 'b64' }),
  },
  {
    name: 'crit naming b64 without a b64 member, genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: ['b64'] }),
  },
  {
    name: 'b64 false under crit (unencoded payload), genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: signedByA({ crit: ['b64'], b64: false }),
  },
  {
    name: 'b64 false under crit with the raw JSON payload in the compact form',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      const header = base64url(
        JSON.stringify({ alg: 'RS256', kid: f.clusterA.signingKey.kid, crit: ['b64'], b64: false }),
      );
      const payload = JSON.stringify(f.claimsOf(f.clusterA));
      const signature = rsaSigner(
        f.clusterA.signingKey.privateKey,
        'sha256',
      )(Buffer.from(`${header}.${payload}`));
      return `${header}.${payload}.${base64url(signature)}`;
    },
  },
  {
    name: "b64 false without crit, signed by the attacker's key",
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) => attackerRsaToken(f, { kid: f.clusterA.signingKey.kid, b64: false }),
  },
];

const typing: AttackCase[] = [
  {
    name: 'alg only inside a "__proto__" member (prototype pollution), genuinely signed',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      signedRaw(
        f.clusterA.signingKey,
        JSON.stringify(f.claimsOf(f.clusterA)),
        `{"kid":${JSON.stringify(f.clusterA.signingKey.kid)},"__proto__":{"alg":"RS256"}}`,
      ),
  },
  {
    name: 'typ "JWE" with enc, signed by the attacker\'s key',
    target: 'A',
    reason: 'TokenUnverifiable',
    forge: (f) =>
      attackerRsaToken(f, { kid: f.clusterA.signingKey.kid, typ: 'JWE', enc: 'A256GCM' }),
  },
  {
    name: 'cty "JWT" wrapping a genuine token as the payload (nested JWT)',
    target: 'A',
    reason: 'TokenMalformed',
    forge: (f) => {
      const inner = f.valid(f.clusterA);
      const header = base64url(
        JSON.stringify({ alg: 'RS256', kid: f.clusterA.signingKey.kid, cty: 'JWT' }),
      );
      const signingInput = `${header}.${base64url(inner)}`;
      const signature = rsaSigner(
        f.clusterA.signingKey.privateKey,
        'sha256',
      )(Buffer.from(signingInput));
      return `${signingInput}.${base64url(signature)}`;
    },
  },
];

export const headerCases: AttackCase[] = [...kidValues, ...keyInjection, ...critical, ...typing];
