import { Agent, request } from 'undici';

import type { VaultStandIn } from './vault-stand-in.js';

/** A raw answer of the stand-in. */
export interface RawVaultAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
}

/** Options of one raw request to the stand-in. */
export interface RawVaultRequest {
  token?: string;
  namespace?: string;
  body?: unknown;
}

const agents = new WeakMap<VaultStandIn, Agent>();

/** Sends one request to the stand-in as a Vault client would, trusting its CA. */
export async function vaultRequest(
  vault: VaultStandIn,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST' | 'PATCH',
  path: string,
  options: RawVaultRequest = {},
): Promise<RawVaultAnswer> {
  let agent = agents.get(vault);
  if (agent === undefined) {
    agent = new Agent({ connect: { ca: vault.caPem } });
    agents.set(vault, agent);
  }
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['x-vault-token'] = options.token;
  if (options.namespace !== undefined) headers['x-vault-namespace'] = options.namespace;
  const response = await request(`${vault.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    dispatcher: agent,
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    text,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Closes the connections `vaultRequest` kept for this stand-in. */
export async function closeVaultRequests(vault: VaultStandIn): Promise<void> {
  await agents.get(vault)?.close();
  agents.delete(vault);
}
