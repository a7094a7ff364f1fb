import { createPublicKey, type KeyObject } from 'node:crypto';

/** A public key from an issuer's JWKS, ready for jose, with the algorithms it may verify. */
export interface VerificationKey {
  kid: string | undefined;
  /** Never empty; never `none` and never an HMAC algorithm. */
  algorithms: readonly string[];
  key: KeyObject;
}

const rsaAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const curveAlgorithms: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
};
const minimumRsaBits = 2048;

/**
 * The signature keys of a JWKS document. Keys meant for encryption, of an unsupported type
 * or curve, too short, or with an `alg` that does not fit their type are left out, so an
 * issuer's odd key cannot make the whole set unusable. Only public members are imported:
 * a symmetric (`oct`) key or private member never becomes a verification secret.
 */
export function importJwks(document: unknown): VerificationKey[] {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((jwk: unknown) => {
    const key = importJwk(jwk);
    return key ? [key] : [];
  });
}

/** Chooses the key for a token header; `undefined` when none fits. */
export function selectKey(
  keys: readonly VerificationKey[],
  header: { kid?: unknown; alg?: unknown },
): VerificationKey | undefined {
  if (typeof header.alg !== 'string') return undefined;
  const alg = header.alg;
  const fitting = keys.filter((key) => key.algorithms.includes(alg));
  if (typeof header.kid === 'string') return fitting.find((key) => key.kid === header.kid);
  // Without a kid the choice must not be a guess: only an unambiguous key is used.
  return fitting.length === 1 ? fitting[0] : undefined;
}

/** Whether the set has any key with that kid, whatever its algorithm. */
export function hasKid(keys: readonly VerificationKey[], kid: string): boolean {
  return keys.some((key) => key.kid === kid);
}

function importJwk(value: unknown): VerificationKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as Record<string, unknown>;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return undefined;

  const candidates = algorithmsForKeyType(jwk);
  const algorithms =
    typeof jwk.alg === 'string' ? candidates.filter((alg) => alg === jwk.alg) : candidates;
  if (algorithms.length === 0) return undefined;

  const publicMembers = publicJwk(jwk);
  if (!publicMembers) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicMembers, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (jwk.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < minimumRsaBits) {
    return undefined;
  }
  return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, algorithms, key };
}

function algorithmsForKeyType(jwk: Record<string, unknown>): readonly string[] {
  if (jwk.kty === 'RSA') return rsaAlgorithms;
  if (jwk.kty === 'EC' && jwk.crv !== 'Ed25519' && typeof jwk.crv === 'string') {
    const alg = curveAlgorithms[jwk.crv];
    return alg ? [alg] : [];
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return ['EdDSA'];
  return [];
}

function publicJwk(jwk: Record<string, unknown>): Record<string, string> | undefined {
  const members =
    jwk.kty === 'RSA'
      ? ['kty', 'n', 'e']
      : jwk.kty === 'EC'
        ? ['kty', 'crv', 'x', 'y']
        : ['kty', 'crv', 'x'];
  const result: Record<string, string> = {};
  for (const member of members) {
    const memberValue = jwk[member];
    if (typeof memberValue !== 'string') return undefined;
    result[member] = memberValue;
  }
  return result;
}
