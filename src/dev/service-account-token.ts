import { randomUUID } from 'node:crypto';

import { signWithKey, type SigningKey } from './signing-key.js';

/** The audience the Kubernetes API server puts in tokens when a pod asks for none. */
export const defaultAudience = 'https://kubernetes.default.svc.cluster.local';

/**
 * What to put in a minted token. Every field is optional; the defaults give a token like
 * the one the kubelet projects into a pod's `serviceaccount/token` file.
 */
export interface MintTokenOptions {
  /** Default `default`. */
  namespace?: string;
  /** ServiceAccount name; default `default`. */
  serviceAccount?: string;
  /** Default: a uid that stays the same for that namespace and name within the cluster. */
  serviceAccountUid?: string;
  /** Default `{ name: '<serviceAccount>-0' }` with a stable uid; `null` leaves the pod out. */
  pod?: { name: string; uid?: string } | null;
  /** Left out unless given, as for tokens of API servers older than 1.29. */
  node?: { name: string; uid?: string };
  /** `aud`; default `['https://kubernetes.default.svc.cluster.local']`. */
  audiences?: string[];
  /** Seconds from `iat` to `exp`; default 3600. */
  lifetimeSec?: number;
  /** `iat` and `nbf` in seconds since the epoch; default the cluster's clock. */
  issuedAtSec?: number;
  /** Claims merged over the defaults; a member set to `undefined` removes that claim. */
  claims?: Record<string, unknown>;
  /** Header members merged over `{ alg, kid }`; `undefined` removes a member. */
  header?: Record<string, unknown>;
  /** Produces the signature instead of the cluster key, for tokens an attacker would forge. */
  sign?: (signingInput: Uint8Array) => Uint8Array;
}

/** What the cluster contributes to every token it mints. */
export interface TokenIssuerContext {
  issuer: string;
  key: SigningKey;
  nowSec: number;
  /** A uid that stays the same for one object of the cluster, e.g. `serviceaccount/ns/name`. */
  uidOf: (object: string) => string;
}

/** Mints a projected ServiceAccount token (compact JWS) as a client cluster would. */
export function mintServiceAccountToken(
  context: TokenIssuerContext,
  options: MintTokenOptions = {},
): string {
  const namespace = options.namespace ?? 'default';
  const serviceAccount = options.serviceAccount ?? 'default';
  const iat = options.issuedAtSec ?? context.nowSec;
  const pod = podClaim(context, namespace, serviceAccount, options.pod);

  const payload: Record<string, unknown> = {
    aud: options.audiences ?? [defaultAudience],
    exp: iat + (options.lifetimeSec ?? 3600),
    iat,
    iss: context.issuer,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace,
      ...(options.node ? { node: options.node } : {}),
      ...(pod ? { pod } : {}),
      serviceaccount: {
        name: serviceAccount,
        uid:
          options.serviceAccountUid ??
          context.uidOf(`serviceaccount/${namespace}/${serviceAccount}`),
      },
    },
    nbf: iat,
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    ...options.claims,
  };
  const header = { alg: context.key.alg, kid: context.key.kid, ...options.header };
  return encodeCompactJws(
    header,
    payload,
    options.sign ?? ((input) => signWithKey(context.key, input)),
  );
}

/**
 * Encodes a JWS in compact form from any header and payload. Members whose value is
 * `undefined` are left out, as `JSON.stringify` does.
 */
export function encodeCompactJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: (signingInput: Uint8Array) => Uint8Array,
): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signingInput = `${encodedHeader}.${encodedPayload}`;
  const signature = Buffer.from(sign(Buffer.from(signingInput, 'ascii'))).toString('base64url');
  return `${signingInput}.${signature}`;
}

function podClaim(
  context: TokenIssuerContext,
  namespace: string,
  serviceAccount: string,
  pod: MintTokenOptions['pod'],
): { name: string; uid: string } | undefined {
  if (pod === null) return undefined;
  const name = pod?.name ?? `${serviceAccount}-0`;
  return { name, uid: pod?.uid ?? context.uidOf(`pod/${namespace}/${name}`) };
}
