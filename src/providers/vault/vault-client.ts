import type { BackendContext, BackendLogger } from '../provider.js';
import { createTokenSource, type CachedLoginOptions, type TokenSource } from './auth/index.js';
import type { VaultProviderSpec } from './schema.js';
import { VaultTransport, type VaultCall, type VaultResponse } from './vault-transport.js';

/**
 * A logged-in Vault client for one store or generator: its transport and its cached
 * client token. Vault answers 403 both to a dead token and to a path its policies do not
 * grant; only the first is worth a new login, so a 403 to a cached login token is checked
 * with `lookup-self` before logging in again and retrying once. A policy denial therefore
 * costs one lookup, never a login per request.
 */
export class VaultClient {
  readonly #transport: VaultTransport;
  readonly #tokens: TokenSource;
  /** Where the login token lives: `auth.namespace`, else the store's. */
  readonly #loginNamespace: string | undefined;
  readonly #logger: BackendLogger | undefined;

  constructor(spec: VaultProviderSpec, context: BackendContext, options: CachedLoginOptions = {}) {
    this.#loginNamespace = spec.auth.namespace;
    this.#logger = context.logger;
    this.#transport = new VaultTransport(spec, context);
    this.#tokens = createTokenSource(spec.auth, this.#transport, context, options);
  }

  async request(call: Omit<VaultCall, 'token'>): Promise<VaultResponse> {
    const token = await this.#tokens.token(call.signal);
    const response = await this.#transport.send({ ...call, token });
    if (response.status !== 403 || !this.#tokens.isReplaceable) return response;
    if (await this.#isAccepted(token, call.signal)) return response;

    this.#tokens.forget(token);
    this.#logger?.warn(
      { status: 403 },
      'vault no longer accepts the cached token; logging in again',
    );
    const fresh = await this.#tokens.token(call.signal);
    return this.#transport.send({ ...call, token: fresh });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** Whether Vault still knows the token (every token may look itself up). */
  async #isAccepted(token: string, signal: AbortSignal | undefined): Promise<boolean> {
    const lookup = await this.#transport.send({
      method: 'GET',
      path: 'auth/token/lookup-self',
      token,
      namespace: this.#loginNamespace,
      signal,
    });
    return lookup.status === 200;
  }
}
