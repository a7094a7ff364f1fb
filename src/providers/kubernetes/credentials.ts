import { FederationError } from '../../errors.js';
import { checkClientCertificate, resolveCaPem, type ClientTrust } from '../backend-tls/index.js';
import type { BackendContext } from '../provider.js';
import { readSecretText } from '../secret-reader.js';
import type { KubernetesProviderSpec } from './schema.js';

/** What one call to the remote API server presents and trusts. */
export interface ApiServerCredentials {
  trust: ClientTrust;
  /** `Authorization` header value with token auth; undefined with cert auth. */
  authorization?: string;
}

/**
 * Reads the store's credentials from their Secrets, at call time so that a rotated token or
 * certificate is used at once. A missing Secret or key is `StoreNotReady`.
 */
export async function readApiServerCredentials(
  spec: KubernetesProviderSpec,
  context: BackendContext,
  signal?: AbortSignal,
): Promise<ApiServerCredentials> {
  const caPem = await resolveCaPem(spec.server, context, signal);
  const { token, cert } = spec.auth;
  if (token !== undefined) {
    const bearer = (await readSecretText(token.bearerToken, context, { signal })).trim();
    if (bearer === '' || /[\s]/.test(bearer)) {
      throw new FederationError(
        'StoreNotReady',
        undefined,
        'the bearer token Secret key is unusable',
      );
    }
    return { trust: { caPem }, authorization: `Bearer ${bearer}` };
  }
  if (cert === undefined) {
    throw new FederationError('StoreNotReady', undefined, 'the store names no auth method');
  }

  const certPem = await readSecretText(cert.clientCert, context, { signal });
  const keyPem = await readSecretText(cert.clientKey, context, { signal });
  return { trust: { caPem, clientCertificate: checkClientCertificate({ certPem, keyPem }) } };
}
