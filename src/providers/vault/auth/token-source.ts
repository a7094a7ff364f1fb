import type { VaultTransport } from '../vault-transport.js';

/** Where the client token of a store comes from. */
export interface TokenSource {
  /** The token to send now; logs in or renews first when needed. */
  token(signal?: AbortSignal): Promise<string>;
  /**
   * Told that Vault answered 403 to `token`. Returns whether one retry with a fresh token
   * is worth it (a cached login may have been revoked; a configured token stays refused).
   */
  refused(token: string): boolean;
}

/** A Vault client token obtained by a login, and what Vault said about its lease. */
export interface LoginResult {
  token: string;
  /** Seconds; 0 for a token that never expires. */
  leaseDurationSeconds: number;
  isRenewable: boolean;
}

/** Logs in to Vault with one auth method; reads its credentials at call time. */
export type LoginMethod = (transport: VaultTransport) => Promise<LoginResult>;
