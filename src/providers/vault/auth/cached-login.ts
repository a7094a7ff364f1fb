import { FederationError } from '../../../errors.js';
import type { VaultTransport } from '../vault-transport.js';
import type { LoginMethod, LoginResult, TokenSource } from './token-source.js';

interface CachedToken {
  token: string;
  /** Milliseconds since the epoch; undefined for a token that never expires. */
  refreshAt: number | undefined;
  expiresAt: number | undefined;
  /** Seconds granted by the login, asked for again on each renewal. */
  loginTtlSeconds: number;
  isRenewable: boolean;
}

/** How a logged-in token is kept. */
export interface CachedLoginOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /** Share of the TTL after which the token is renewed or replaced; default 2/3. */
  refreshFraction?: number;
  /** Namespace the token was issued in, for `renew-self`; default the store's. */
  namespace?: string;
}

/** Milliseconds between refresh attempts while Vault refuses them and the token lives. */
const retryPauseMs = 10_000;

/** Waits for `promise`, or rejects with `BackendTimeout` once `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  const timeout = (): FederationError =>
    new FederationError('BackendTimeout', undefined, 'deadline while logging in to vault');
  if (signal.aborted) return Promise.reject(timeout());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timeout());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * A client token obtained by a login and kept for the store: renewed with `renew-self` (or
 * replaced by a new login) once `refreshFraction` of its TTL has passed, never obtained per
 * request. Callers arriving while a login or renewal runs share it; one caller giving up
 * does not cancel it for the others (each attempt is bounded by the HTTP client).
 */
export class CachedLogin implements TokenSource {
  readonly isReplaceable = true;
  readonly #login: LoginMethod;
  readonly #transport: VaultTransport;
  readonly #now: () => number;
  readonly #refreshFraction: number;
  readonly #namespace: string | undefined;
  #current: CachedToken | undefined;
  #pending: Promise<string> | undefined;

  constructor(login: LoginMethod, transport: VaultTransport, options: CachedLoginOptions = {}) {
    this.#login = login;
    this.#transport = transport;
    this.#now = options.now ?? Date.now;
    this.#refreshFraction = options.refreshFraction ?? 2 / 3;
    this.#namespace = options.namespace;
  }

  async token(signal?: AbortSignal): Promise<string> {
    const current = this.#current;
    if (
      current !== undefined &&
      (current.refreshAt === undefined || this.#now() < current.refreshAt)
    ) {
      return current.token;
    }
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return untilAborted(this.#pending, signal);
  }

  forget(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #refresh(): Promise<string> {
    const current = this.#current;
    const now = this.#now();
    const isAlive = current?.expiresAt !== undefined && now < current.expiresAt;
    if (current?.isRenewable && isAlive) {
      const renewed = await this.#renew(current).catch(() => undefined);
      if (renewed !== undefined) return renewed;
    }
    try {
      const result = await this.#login(this.#transport);
      this.#keep(result, result.leaseDurationSeconds);
      return result.token;
    } catch (error) {
      if (current === undefined || !isAlive) throw error;
      // Vault's auth is failing but the token still works: keep using it, and try again
      // after a pause instead of at every request.
      const remaining = current.expiresAt! - now;
      current.refreshAt = now + Math.min(retryPauseMs, remaining / 2);
      return current.token;
    }
  }

  /** Renews the token; undefined when Vault refused (a new login follows). */
  async #renew(current: CachedToken): Promise<string | undefined> {
    const response = await this.#transport.send({
      method: 'POST',
      path: 'auth/token/renew-self',
      token: current.token,
      namespace: this.#namespace,
      body: { increment: current.loginTtlSeconds },
    });
    const granted = Number(response.body?.auth?.lease_duration);
    if (response.status !== 200 || !Number.isFinite(granted) || granted <= 0) return undefined;
    this.#keep(
      { token: current.token, leaseDurationSeconds: granted, isRenewable: true },
      current.loginTtlSeconds,
    );
    // Near its max TTL Vault grants less than asked; the next refresh logs in instead.
    if (granted < current.loginTtlSeconds && this.#current) this.#current.isRenewable = false;
    return current.token;
  }

  #keep(result: LoginResult, loginTtlSeconds: number): void {
    const now = this.#now();
    const ttlMs = result.leaseDurationSeconds * 1000;
    this.#current = {
      token: result.token,
      refreshAt: ttlMs > 0 ? now + ttlMs * this.#refreshFraction : undefined,
      expiresAt: ttlMs > 0 ? now + ttlMs : undefined,
      loginTtlSeconds,
      isRenewable: result.isRenewable,
    };
  }
}
