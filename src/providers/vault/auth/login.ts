import { FederationError } from '../../../errors.js';
import { encodeVaultPath, type VaultTransport } from '../vault-transport.js';
import type { LoginResult } from './token-source.js';

/**
 * `POST auth/<mountPath>/login` with the method's credentials, and the token from the
 * answer's `auth` block. A refusal is a `BackendError` naming the status only: Vault's
 * message may echo what was sent.
 */
export async function loginAt(
  transport: VaultTransport,
  mountPath: string,
  body: Record<string, string>,
  namespace: string | undefined,
): Promise<LoginResult> {
  const path = `auth/${encodeVaultPath(mountPath.replace(/^\/+|\/+$/g, ''), 'auth mount path')}/login`;
  // A login is safe to send again: at worst Vault issues a second token.
  const response = await transport.send({
    method: 'POST',
    path,
    body,
    namespace,
    isIdempotent: true,
  });
  if (response.status !== 200) {
    // Even a 404 (no such auth mount) is the store's fault, never a missing secret.
    throw new FederationError(
      'BackendError',
      undefined,
      `vault answered ${response.status} to login`,
    );
  }
  const auth = response.body?.auth;
  const token = auth?.client_token;
  if (typeof token !== 'string' || token === '') {
    throw new FederationError('BackendError', undefined, 'vault login answered no client token');
  }
  const lease = Number(auth?.lease_duration ?? 0);
  return {
    token,
    leaseDurationSeconds: Number.isFinite(lease) && lease > 0 ? lease : 0,
    isRenewable: auth?.renewable === true,
  };
}
