import type {
  BackendContext,
  ProviderCallOptions,
  ProviderDefinition,
  RemoteRef,
  SecretProvider,
} from '../provider.js';
import type { CachedLoginOptions } from './auth/index.js';
import { readKv } from './kv-read.js';
import { vaultProviderSchema, type VaultProviderSpec } from './schema.js';
import { VaultClient } from './vault-client.js';

/** A KV store in Vault, with the store's client token cached across reads. */
class VaultProvider implements SecretProvider {
  readonly #spec: VaultProviderSpec;
  readonly #client: VaultClient;

  constructor(spec: VaultProviderSpec, context: BackendContext, options: CachedLoginOptions) {
    this.#spec = spec;
    this.#client = new VaultClient(spec, context, options);
  }

  getSecret(ref: RemoteRef, options: ProviderCallOptions = {}): Promise<string> {
    return readKv(this.#client, this.#spec, ref, options.signal);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * Creates a Vault store. Nothing is contacted until the first read; credentials are read
 * from their Secrets when a login is due. `options` sets the token clock and refresh share
 * (tests); by default a token is renewed or replaced at 2/3 of its TTL.
 */
export function createVaultProvider(
  spec: VaultProviderSpec,
  context: BackendContext,
  options: CachedLoginOptions = {},
): SecretProvider {
  return new VaultProvider(spec, context, options);
}

/** `spec.provider.vault`: HashiCorp Vault KV v1 and v2. */
export const vaultProvider: ProviderDefinition<VaultProviderSpec> = {
  key: 'vault',
  schema: vaultProviderSchema,
  create: (spec, context) => createVaultProvider(spec, context),
};
