import { FederationError } from '../../errors.js';
import type { VaultProviderSpec } from './schema.js';
import { encodeVaultPath } from './vault-transport.js';

type KvSpec = Pick<VaultProviderSpec, 'path' | 'version'>;

/**
 * Mounts a caller's key may never name, compared without case: Vault's built-in paths,
 * none of which holds a KV secret. Under them the hub's own token logs in, looks itself
 * up, renews and revokes tokens (`auth`), revokes leases (`sys`), could sign identity
 * tokens (`identity`) and keeps per-token storage (`cubbyhole`); `audit` is reserved too.
 */
const refusedKeyMounts: readonly string[] = ['sys', 'auth', 'identity', 'cubbyhole', 'audit'];

/** A mount name as Vault routes it: no `%`, `?`, `#` or control character to reinterpret. */
function isPlainMount(segment: string): boolean {
  return ![...segment].some((char) => '%?#\u007f'.includes(char) || char < ' ');
}

function isRefusedMount(segment: string): boolean {
  return refusedKeyMounts.includes(segment.toLowerCase());
}

/**
 * Checks the segments of a key that may name a mount. The first always may; on KV v1 any
 * but the last may too, since Vault Enterprise reads a leading namespace from the path
 * (`team/auth/token/lookup-self` is `auth/token/lookup-self` of namespace `team`). On KV
 * v2 the hub puts `data/` or `metadata/` after the first segment, so that one is all.
 */
function checkKeyMounts(spec: KvSpec, segments: readonly string[]): void {
  const first = segments[0] ?? '';
  if (!isPlainMount(first)) {
    throw new FederationError(
      'InvalidRemoteRef',
      'the mount in remoteRef.key must not hold %, ?, # or control characters',
    );
  }
  const mountLike = spec.version === 'v1' ? segments.slice(0, -1) : [first];
  const refused = mountLike.find(isRefusedMount);
  if (refused !== undefined) {
    throw new FederationError(
      'InvalidRemoteRef',
      `remoteRef.key must not name the Vault mount ${refused}; ` +
        `${refusedKeyMounts.join(', ')} are refused when the store has no path`,
    );
  }
}

/**
 * The KV mount and the secret's path below it, both encoded for the URL. With `path` set,
 * the key is below that mount (a key that already starts with the mount is not prefixed
 * twice, as in the External Secrets Operator). Without it, the key's first segment is the
 * mount, and since the caller then chooses where the hub's token goes, the mounts in
 * `refusedKeyMounts` are refused.
 */
export function splitKey(spec: KvSpec, key: string): { mount: string; secretPath: string } {
  const trimmed = key.replace(/^\/+/, '');
  if (spec.path !== undefined) {
    const mount = spec.path.replace(/^\/+|\/+$/g, '');
    const secretPath = trimmed.startsWith(`${mount}/`) ? trimmed.slice(mount.length + 1) : trimmed;
    return { mount, secretPath: encodeVaultPath(secretPath, 'remoteRef.key') };
  }
  const encoded = encodeVaultPath(trimmed, 'remoteRef.key');
  const segments = trimmed.split('/');
  if (segments.length < 2) {
    throw new FederationError(
      'InvalidRemoteRef',
      'remoteRef.key must be <mount>/<path> when the store has no path',
    );
  }
  checkKeyMounts(spec, segments);
  const slash = encoded.indexOf('/');
  return { mount: encoded.slice(0, slash), secretPath: encoded.slice(slash + 1) };
}
