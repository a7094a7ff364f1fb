import { createHash, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The algorithms a development cluster can sign ServiceAccount tokens with. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** One entry of the cluster's JWKS, in the member order the Kubernetes API server uses. */
export type PublicJwk =
  | { use: 'sig'; kty: 'RSA'; kid: string; alg: 'RS256'; n: string; e: string }
  | { use: 'sig'; kty: 'EC'; kid: string; crv: 'P-256'; alg: 'ES256'; x: string; y: string };

/** A token signing key pair of a development cluster. */
export interface SigningKey {
  alg: SigningAlgorithm;
  /** base64url of the SHA-256 of the DER SubjectPublicKeyInfo, as Kubernetes derives it. */
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
  /** SPKI PEM of the public key. */
  publicKeyPem: string;
}

/** Generates a signing key: RSA 2048 for RS256, EC P-256 for ES256. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : await generateKeyPairAsync('ec', { namedCurve: 'P-256' });

  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(der).digest('base64url');
  const exported = publicKey.export({ format: 'jwk' });
  const jwk: PublicJwk =
    alg === 'RS256'
      ? { use: 'sig', kty: 'RSA', kid, alg, n: String(exported.n), e: String(exported.e) }
      : {
          use: 'sig',
          kty: 'EC',
          kid,
          crv: 'P-256',
          alg,
          x: String(exported.x),
          y: String(exported.y),
        };

  const publicKeyPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  return { alg, kid, privateKey, publicKey, jwk, publicKeyPem };
}

/** Signs a JWS signing input with the key's algorithm (ECDSA in the raw r||s form of JWS). */
export function signWithKey(key: SigningKey, signingInput: Uint8Array): Uint8Array {
  if (key.alg === 'ES256') {
    return sign('sha256', signingInput, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  }
  return sign('sha256', signingInput, key.privateKey);
}
