import type { VaultReply } from './vault-http.js';

/** What a request asks of a path, from its method (`GET ?list=true` is a list). */
export type Operation = 'read' | 'list' | 'update' | 'delete' | 'patch';

/** A request as a secrets engine sees it, after the token and the ACL were checked. */
export interface MountRequest {
  operation: Operation;
  /** The path below the mount, without a leading slash. */
  subPath: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** Namespace path of the request; `''` is the root namespace. */
  namespace: string;
  /** The mount path, e.g. `secret`. */
  mountPath: string;
  /** The requesting token's display name, for generated user names. */
  displayName: string;
}

/** A secrets engine mounted at a path of a namespace. */
export interface SecretMount {
  /** Vault's `mount_type`, e.g. `kv` or `database`. */
  readonly type: string;
  handle(request: MountRequest): Promise<VaultReply> | VaultReply;
}

/** The keys directly below `prefix` among `paths`, folders with a trailing slash, sorted. */
export function listKeys(paths: Iterable<string>, prefix: string): string[] {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const keys = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith(base)) continue;
    const rest = path.slice(base.length);
    const slash = rest.indexOf('/');
    keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...keys].sort();
}
