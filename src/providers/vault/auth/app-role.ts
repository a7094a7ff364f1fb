import type { BackendContext } from '../../provider.js';
import { readSecretText } from '../../secret-reader.js';
import type { VaultAuthSpec } from '../schema.js';
import { loginAt } from './login.js';
import type { LoginMethod } from './token-source.js';

type AppRoleSpec = NonNullable<VaultAuthSpec['appRole']>;

/** `auth.appRole`: logs in with the role id (inline or from a Secret) and a secret id. */
export function appRoleLogin(
  spec: AppRoleSpec,
  context: BackendContext,
  namespace: string | undefined,
): LoginMethod {
  return async (transport) => {
    const roleId = spec.roleId ?? (await readSecretText(spec.roleRef!, context)).trim();
    const secretId = (await readSecretText(spec.secretRef, context)).trim();
    return loginAt(transport, spec.path, { role_id: roleId, secret_id: secretId }, namespace);
  };
}
