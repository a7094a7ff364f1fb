import type { BackendContext } from '../../provider.js';
import { readSecretText } from '../../secret-reader.js';
import type { VaultAuthSpec } from '../schema.js';
import { loginAt } from './login.js';
import type { LoginMethod } from './token-source.js';

type KubernetesSpec = NonNullable<VaultAuthSpec['kubernetes']>;

/**
 * `auth.kubernetes`: logs in with a role and a service account JWT kept in a Secret; Vault
 * checks the JWT with the cluster's TokenReview API.
 */
export function kubernetesLogin(
  spec: KubernetesSpec,
  context: BackendContext,
  namespace: string | undefined,
): LoginMethod {
  return async (transport) => {
    const jwt = (await readSecretText(spec.secretRef, context)).trim();
    return loginAt(transport, spec.mountPath, { role: spec.role, jwt }, namespace);
  };
}
