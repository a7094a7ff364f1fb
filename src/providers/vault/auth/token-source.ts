import type { VaultTransport } from '../vault-transport.js';

/** Where the client token of a store comes from. */
export interface TokenSource {
  /** The token to send now; logs in or renews first when needed. */
  token(signal?: AbortSignal): Promise<string>;
  /**
   * Whether a token Vault no longer accepts can be replaced by a new login. False for a
   * configured token: whoever issued it owns its lifetime.
   */
  readonly isReplaceable: boolean;
  /** Drops `token` when it is the cached one, so the next call logs in again. */
  forget(token: string): void;
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
