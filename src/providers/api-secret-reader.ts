import { FederationError } from '../errors.js';
import { KubeApiError } from '../kubernetes/index.js';
import type { KubeApi } from '../kubernetes/index.js';
import type { SecretKeyRef, SecretReader } from './provider.js';

/**
 * Reads store and generator credentials from core `v1` Secrets of the hub's API server
 * (Kubernetes mode), at call time: a rotated Secret is used by the next login. Every
 * failure is `StoreNotReady`: the store cannot be used until its Secret is readable.
 */
export class ApiSecretReader implements SecretReader {
  readonly #api: KubeApi;

  constructor(api: KubeApi) {
    this.#api = api;
  }

  async readSecretKey(
    ref: Required<SecretKeyRef>,
    options?: { signal?: AbortSignal },
  ): Promise<Buffer> {
    const where = `Secret ${ref.namespace}/${ref.name}`;
    let secret: { data?: Record<string, string> };
    try {
      secret = await this.#api.request({
        path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`,
        signal: options?.signal,
        timeoutMs: 5000,
      });
    } catch (error) {
      const why = error instanceof KubeApiError ? error.reason : 'unreadable';
      throw new FederationError('StoreNotReady', undefined, `${where}: ${why}`);
    }
    const value = secret.data?.[ref.key];
    if (typeof value !== 'string') {
      throw new FederationError(
        'StoreNotReady',
        undefined,
        `key ${ref.key} of ${where} does not exist`,
      );
    }
    return Buffer.from(value, 'base64');
  }
}
