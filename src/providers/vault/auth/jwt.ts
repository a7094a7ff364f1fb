import type { BackendContext } from '../../provider.js';
import { readSecretText } from '../../secret-reader.js';
import type { VaultAuthSpec } from '../schema.js';
import { loginAt } from './login.js';
import type { LoginMethod } from './token-source.js';

type JwtSpec = NonNullable<VaultAuthSpec['jwt']>;

/**
 * `auth.jwt`: logs in with a JWT kept in a Secret, as the given role or else the mount's
 * default role.
 */
export function jwtLogin(
  spec: JwtSpec,
  context: BackendContext,
  namespace: string | undefined,
): LoginMethod {
  return async (transport) => {
    const jwt = (await readSecretText(spec.secretRef, context)).trim();
    const body: Record<string, string> =
      spec.role === undefined ? { jwt } : { role: spec.role, jwt };
    return loginAt(transport, spec.path, body, namespace);
  };
}
