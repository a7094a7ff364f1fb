import type { BackendContext } from '../provider.js';
import { createTokenSource, type CachedLoginOptions, type TokenSource } from './auth/index.js';
import type { VaultProviderSpec } from './schema.js';
import { VaultTransport, type VaultCall, type VaultResponse } from './vault-transport.js';

/**
 * A logged-in Vault client for one store or generator: its transport and its cached
 * client token. A 403 to a cached login token is retried once with a fresh login (the
 * token may have been revoked or expired early); any other answer is returned as it is.
 */
export class VaultClient {
  readonly #transport: VaultTransport;
  readonly #tokens: TokenSource;

  constructor(spec: VaultProviderSpec, context: BackendContext, options: CachedLoginOptions = {}) {
    this.#transport = new VaultTransport(spec, context);
    this.#tokens = createTokenSource(spec.auth, this.#transport, context, options);
  }

  async request(call: Omit<VaultCall, 'token'>): Promise<VaultResponse> {
    const token = await this.#tokens.token(call.signal);
    const response = await this.#transport.send({ ...call, token });
    if (response.status !== 403 || !this.#tokens.refused(token)) return response;
    const fresh = await this.#tokens.token(call.signal);
    return this.#transport.send({ ...call, token: fresh });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}
