import type { KeyObject } from 'node:crypto';

import type { ClientCluster } from '../../src/dev/client-cluster.js';
import type { MintTokenOptions } from '../../src/dev/service-account-token.js';
import type { SigningKey } from '../../src/dev/signing-key.js';
import type { Reason } from '../../src/errors.js';
import type { AttackerServer } from './attacker-server.js';

/** What a case may use to build its token. */
export interface Forge {
  /** RS256 cluster: its federation trusts the `ca.crt` callers send. */
  clusterA: ClientCluster;
  /** ES256 cluster: its federation pins `caBundle`. */
  clusterB: ClientCluster;
  /** The attacker's own keys, in no JWKS the hub trusts. */
  attackerRsa: SigningKey;
  attackerEc: SigningKey;
  /** An EC P-256 certificate chain of the attacker (leaf first, PEM) and the leaf's key. */
  attackerCertificate: { chainPem: string[]; key: KeyObject };
  attackerServer: AttackerServer;
  /** The hub's pinned clock, in whole seconds since the epoch. */
  nowSec(): number;
  /** A genuine token of `app/app-sa`, issued now by the hub's clock. */
  valid(cluster: ClientCluster, options?: MintTokenOptions): string;
  /** The claims of such a token, to forge around. */
  claimsOf(cluster: ClientCluster): Record<string, unknown>;
}

/**
 * One crafted token and the answer it must get. The request goes to a store that the
 * claimed identity may read (`main-store` for A, `other-store` for B), so a token that is
 * wrongly accepted shows up as a served secret, never as an innocent 404.
 */
export interface AttackCase {
  /** Says the attack; the test name. */
  name: string;
  /** Whose identity the token claims. */
  target: 'A' | 'B';
  forge(forge: Forge): string;
  reason: Reason;
  /** For `TokenClaimInvalid`: the claim the message names. */
  claim?: string;
  /**
   * Set when the hub does not yet do what its docs promise: the case still runs and
   * reports, as a node:test `todo`, without failing the suite.
   */
  knownGap?: string;
}

/**
 * A token that only the cluster itself could sign, with an oddity the hub accepts as
 * documented (or as RFC 7519/7797 say); `status` 404 means authenticated as an identity
 * without grants.
 */
export interface AcceptedCase {
  name: string;
  target: 'A' | 'B';
  forge(forge: Forge): string;
  status: 200 | 404;
}
