import { randomBytes, randomUUID } from 'node:crypto';

import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { encodeCompactJws } from '../../src/dev/service-account-token.js';
import type { MixSources, SoakCaller } from './request-mix.js';
import { soakAccounts } from './soak-manifests.js';

/** Pods per service account in the pool of callers. */
const podsPerAccount = 3;

/** Two days, the longest a kubelet asks for: tokens outlive even a long manual run. */
const lifetimeSec = 48 * 3600;

function randomText(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Tokens a client could send that must all be refused, each one new: random text, a
 * forged signature under a real key id, an unknown key id, an unknown issuer. Whatever the
 * server keeps per token text or per key id would grow with these.
 */
function invalidTokens(a: ClientCluster): () => string {
  let turn = 0;
  const claims = (issuer: string): Record<string, unknown> => {
    const nowSec = Math.floor(Date.now() / 1000);
    return {
      aud: ['https://kubernetes.default.svc.cluster.local'],
      exp: nowSec + 600,
      iat: nowSec,
      nbf: nowSec,
      iss: issuer,
      jti: randomUUID(),
      sub: `system:serviceaccount:team-0:${randomText(6).toLowerCase()}`,
    };
  };
  const forged = (header: Record<string, unknown>, issuer: string): string =>
    encodeCompactJws(header, claims(issuer), () => randomBytes(256));
  return () => {
    turn += 1;
    switch (turn % 4) {
      case 0:
        return `${randomText(36)}.${randomText(120)}.${randomText(256)}`;
      case 1:
        return forged({ alg: 'RS256', kid: a.signingKey.kid }, a.issuer);
      case 2:
        return forged({ alg: 'RS256', kid: randomText(32) }, a.issuer);
      default:
        return forged(
          { alg: 'RS256', kid: a.signingKey.kid },
          `https://${randomText(8).toLowerCase()}.example.com`,
        );
    }
  };
}

/**
 * The tokens of the soak mix: a pool of callers (every soak service account, several pods
 * each), a fresh ES256 token of cluster B on demand (cheap to sign, so one per request is
 * affordable), and fresh invalid tokens.
 */
export function soakTokenSources(a: ClientCluster, b: ClientCluster): MixSources {
  const clusters = { 'cluster-a': a, 'cluster-b': b };
  const aBody = JSON.stringify({ 'ca.crt': Buffer.from(a.caPem).toString('base64') });
  const bodyOf = (federation: keyof typeof clusters): string =>
    federation === 'cluster-a' ? aBody : '{}';

  const callers: SoakCaller[] = soakAccounts.flatMap((account) =>
    Array.from({ length: podsPerAccount }, (_, pod) => ({
      token: clusters[account.federation].mintToken({
        namespace: account.namespace,
        serviceAccount: account.serviceAccount,
        pod: { name: `${account.serviceAccount}-${pod}`, uid: randomUUID() },
        lifetimeSec,
      }),
      body: bodyOf(account.federation),
    })),
  );

  const bAccounts = soakAccounts.filter((account) => account.federation === 'cluster-b');
  let minted = 0;
  const freshCaller = (): SoakCaller => {
    minted += 1;
    const account = bAccounts[minted % bAccounts.length] ?? bAccounts[0];
    if (!account) throw new Error('no service account of cluster B in the soak configuration');
    return {
      token: b.mintToken({
        namespace: account.namespace,
        serviceAccount: account.serviceAccount,
        pod: { name: `${account.serviceAccount}-fresh-${minted}`, uid: randomUUID() },
        lifetimeSec,
      }),
      body: bodyOf('cluster-b'),
    };
  };

  return { callers, freshCaller, invalidToken: invalidTokens(a), invalidBody: aBody };
}
