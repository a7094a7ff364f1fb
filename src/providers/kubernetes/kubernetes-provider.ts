import { FederationError } from '../../errors.js';
import { BackendClientCache } from '../backend-tls/index.js';
import { decodeValue } from '../decoding.js';
import type {
  BackendContext,
  ProviderCallOptions,
  ProviderDefinition,
  RemoteRef,
  SecretProvider,
} from '../provider.js';
import { readApiServerCredentials } from './credentials.js';
import { isSecretName, kubernetesProviderSchema, type KubernetesProviderSpec } from './schema.js';
import { parseRemoteSecret, selectFromSecret } from './secret-selection.js';

function checkRef(ref: RemoteRef): void {
  if (!isSecretName(ref.key)) {
    throw new FederationError('InvalidRemoteRef', 'the key must be the name of a Secret');
  }
  if (ref.version) {
    throw new FederationError('InvalidRemoteRef', 'Kubernetes Secrets have no versions');
  }
}

function failureFor(status: number): FederationError {
  if (status === 404) {
    return new FederationError('NotFound', undefined, 'the remote Secret does not exist');
  }
  // 401/403 (our credentials) and every other status: the caller only learns it failed.
  return new FederationError('BackendError', undefined, `API server answered ${status}`);
}

/** Reads Secrets of one namespace of a remote cluster through its API server. */
class KubernetesProvider implements SecretProvider {
  readonly #spec: KubernetesProviderSpec;
  readonly #context: BackendContext;
  readonly #clients = new BackendClientCache();
  readonly #base: string;

  constructor(spec: KubernetesProviderSpec, context: BackendContext) {
    this.#spec = spec;
    this.#context = context;
    const url = new URL(spec.server.url);
    const prefix = url.pathname.replace(/\/+$/, '');
    this.#base = `${url.origin}${prefix}/api/v1/namespaces/${spec.remoteNamespace}/secrets/`;
  }

  async getSecret(ref: RemoteRef, options: ProviderCallOptions = {}): Promise<string> {
    checkRef(ref);
    const { signal } = options;
    const credentials = await readApiServerCredentials(this.#spec, this.#context, signal);
    const client = this.#clients.clientFor(credentials.trust);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials.authorization !== undefined) headers.authorization = credentials.authorization;

    const response = await client.send({
      method: 'GET',
      url: this.#base + ref.key,
      headers,
      signal,
    });
    if (response.status !== 200) throw failureFor(response.status);

    const selected = selectFromSecret(parseRemoteSecret(response.text), ref);
    return decodeValue(selected, ref.decodingStrategy ?? 'None');
  }

  async close(): Promise<void> {
    await this.#clients.close();
  }
}

/**
 * Creates a store reading the Secrets of `remoteNamespace` (default `default`). Credentials
 * and the `caProvider` CA are read from their Secrets on every call.
 */
export function createKubernetesProvider(
  spec: KubernetesProviderSpec,
  context: BackendContext,
): SecretProvider {
  return new KubernetesProvider(spec, context);
}

/** `spec.provider.kubernetes`: Secrets of a remote cluster's namespace. */
export const kubernetesProvider: ProviderDefinition<KubernetesProviderSpec> = {
  key: 'kubernetes',
  schema: kubernetesProviderSchema,
  create: createKubernetesProvider,
};
