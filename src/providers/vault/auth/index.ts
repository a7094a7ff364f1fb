import type { BackendContext } from '../../provider.js';
import type { VaultAuthSpec } from '../schema.js';
import type { VaultTransport } from '../vault-transport.js';
import { appRoleLogin } from './app-role.js';
import { CachedLogin, type CachedLoginOptions } from './cached-login.js';
import { jwtLogin } from './jwt.js';
import { kubernetesLogin } from './kubernetes.js';
import { SecretToken } from './token.js';
import type { LoginMethod, TokenSource } from './token-source.js';

export type { CachedLoginOptions } from './cached-login.js';
export type { TokenSource } from './token-source.js';

/** The token source of the one auth method the spec names. */
export function createTokenSource(
  auth: VaultAuthSpec,
  transport: VaultTransport,
  context: BackendContext,
  options: CachedLoginOptions = {},
): TokenSource {
  if (auth.tokenSecretRef !== undefined) return new SecretToken(auth.tokenSecretRef, context);
  let login: LoginMethod;
  if (auth.appRole !== undefined) login = appRoleLogin(auth.appRole, context, auth.namespace);
  else if (auth.kubernetes !== undefined) {
    login = kubernetesLogin(auth.kubernetes, context, auth.namespace);
  } else login = jwtLogin(auth.jwt!, context, auth.namespace);
  return new CachedLogin(login, transport, { namespace: auth.namespace, ...options });
}
