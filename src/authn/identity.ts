/** Who a verified ServiceAccount token says the caller is (SPEC §4.6). */
export interface Identity {
  /** The KubernetesFederation through which the token was verified. */
  federation: string;
  issuer: string;
  subject: string;
  /** Workload namespace from the `kubernetes.io` claim. */
  namespace?: string;
  serviceAccount?: { name: string; uid?: string };
  pod?: { name: string; uid?: string };
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The token's `jti`, when it carries a non-empty string one. */
  tokenId?: string;
}
