import { FederationError } from '../../errors.js';
import type { BackendContext } from '../../providers/provider.js';
import { encodeVaultPath, type VaultClient } from '../../providers/vault/index.js';
import type {
  GeneratedValues,
  Generator,
  GeneratorCallOptions,
  GeneratorDefinition,
} from '../generator.js';
import { sharedVaultClient } from './client-pool.js';
import { generatedFrom, leaseOf } from './result.js';
import { vaultDynamicSpecSchema, type VaultDynamicSpec } from './schema.js';

/** The API path below `/v1/`, each segment encoded. */
function apiPath(path: string): string {
  return encodeVaultPath(path.replace(/^\/+/, '').replace(/^v1\//, '').replace(/\/+$/, ''), 'path');
}

function queryOf(spec: VaultDynamicSpec): Record<string, string> | undefined {
  if (spec.method === 'LIST') return { list: 'true' };
  if (spec.method !== 'GET' || spec.parameters === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(spec.parameters).map(([key, value]) => [key, String(value)]),
  );
}

/** One VaultDynamicSecret: a call to Vault per generation, and a lease revocation per state. */
class VaultDynamicGenerator implements Generator {
  readonly #spec: VaultDynamicSpec;
  readonly #client: VaultClient;
  readonly #path: string;

  constructor(spec: VaultDynamicSpec, client: VaultClient) {
    this.#spec = spec;
    this.#client = client;
    this.#path = apiPath(spec.path);
  }

  async generate(options: GeneratorCallOptions = {}): Promise<GeneratedValues> {
    const { method } = this.#spec;
    const hasBody = method === 'POST' || method === 'PUT';
    const response = await this.#client.request({
      // Node's HTTP stack does not send LIST; Vault takes GET with ?list=true alike.
      method: method === 'LIST' ? 'GET' : method,
      path: this.#path,
      query: queryOf(this.#spec),
      body: hasBody ? (this.#spec.parameters ?? {}) : undefined,
      signal: options.signal,
      // Even a GET of database/creds creates a user: a call that may have reached Vault is
      // never repeated, or the first credential would live on with nobody holding it.
      isIdempotent: false,
    });
    if (response.status !== 200 && response.status !== 204) {
      // Even a 404 is the generator's configuration, never a missing secret of the caller.
      throw new FederationError(
        'BackendError',
        undefined,
        `vault answered ${response.status} to the dynamic secret`,
      );
    }
    return generatedFrom(this.#spec, response);
  }

  async revoke(providerState: unknown, options: GeneratorCallOptions = {}): Promise<void> {
    const lease = leaseOf(providerState);
    if (lease === undefined) return;
    const isToken = 'accessor' in lease;
    // Revoking twice is harmless, so the call may be retried.
    const response = await this.#client.request({
      method: 'PUT',
      path: isToken ? 'auth/token/revoke-accessor' : 'sys/leases/revoke',
      body: isToken ? { accessor: lease.accessor } : { lease_id: lease.leaseId },
      signal: options.signal,
      isIdempotent: true,
    });
    if (response.status === 204 || response.status === 200) return;
    // Vault answers 400 for an accessor it does not know: the token expired or was revoked.
    if (isToken && response.status === 400) return;
    throw new FederationError(
      'BackendError',
      undefined,
      `vault answered ${response.status} to a revocation`,
    );
  }
}

/**
 * Creates a VaultDynamicSecret generator. Nothing is contacted until the first call; the
 * Vault client, and so its login token, is shared with every generator of the same
 * provider block.
 */
export function createVaultDynamicGenerator(
  spec: VaultDynamicSpec,
  context: BackendContext,
): Generator {
  return new VaultDynamicGenerator(spec, sharedVaultClient(spec.provider, context));
}

/** The `VaultDynamicSecret` generator kind (`vaultDynamicSecretSpec` in a ClusterGenerator). */
export const vaultDynamicGenerator: GeneratorDefinition<VaultDynamicSpec> = {
  kind: 'VaultDynamicSecret',
  clusterGeneratorKey: 'vaultDynamicSecretSpec',
  schema: vaultDynamicSpecSchema,
  create: createVaultDynamicGenerator,
};
