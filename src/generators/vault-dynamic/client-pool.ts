import { createHash } from 'node:crypto';

import type { BackendContext, SecretReader } from '../../providers/provider.js';
import { VaultClient, type VaultProviderSpec } from '../../providers/vault/index.js';

/** Distinct provider blocks kept per Secret reader; the oldest is dropped past this. */
const maxClients = 64;

const pools = new WeakMap<SecretReader, Map<string, VaultClient>>();

function keyOf(spec: VaultProviderSpec, context: BackendContext): string {
  const text = JSON.stringify({ spec, namespace: context.namespace ?? null });
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The Vault client of one provider block, shared by every generator built from it. The
 * server builds a generator anew from its recorded spec to revoke each state; sharing the
 * client lets those revocations reuse the cached login token instead of logging in once
 * per state. A dropped client is not closed, since a live generator may still hold it; its
 * idle connections end on their own.
 */
export function sharedVaultClient(spec: VaultProviderSpec, context: BackendContext): VaultClient {
  let pool = pools.get(context.secrets);
  if (pool === undefined) {
    pool = new Map();
    pools.set(context.secrets, pool);
  }
  const key = keyOf(spec, context);
  const existing = pool.get(key);
  if (existing !== undefined) {
    // Map order is insertion order: moving the entry to the end keeps the oldest first.
    pool.delete(key);
    pool.set(key, existing);
    return existing;
  }
  const client = new VaultClient(spec, context);
  pool.set(key, client);
  if (pool.size > maxClients) pool.delete(pool.keys().next().value!);
  return client;
}
