import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { FederationError, type Reason } from '../../../src/errors.js';
import type { BackendContext } from '../../../src/providers/provider.js';
import { MapSecretReader, type SecretValues } from '../../../src/providers/secret-reader.js';
import { startVaultStandIn, type VaultStandIn } from './vault-stand-in.js';

/** The namespace of the hub's credential Secrets in these tests. */
export const credentialsNamespace = 'hub';

/** Secrets of the credentials namespace: Secret name → key → text. */
export type CredentialSecrets = Record<string, Record<string, string>>;

/** Map entries for `MapSecretReader`, each Secret under `hub/<name>`. */
export function secretValuesOf(secrets: CredentialSecrets): SecretValues {
  return new Map(
    Object.entries(secrets).map(([name, data]) => [
      `${credentialsNamespace}/${name}`,
      Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value)])),
    ]),
  );
}

/** A `SecretKeySelector` of the credentials namespace. */
export function secretRef(name: string, key: string): Record<string, string> {
  return { name, key, namespace: credentialsNamespace };
}

/** A stand-in, the Secrets the hub reads its credentials from, and a context over them. */
export interface VaultFixture {
  vault: VaultStandIn;
  secrets: CredentialSecrets;
  reader: MapSecretReader;
  context: BackendContext;
  /** The stand-in's CA as base64, for `caBundle`. */
  caBundle: string;
  /** Puts `secrets` (after edits) in force. */
  refreshSecrets(): void;
}

/** Starts the stand-in with an empty set of credential Secrets. */
export async function startVaultFixture(): Promise<VaultFixture> {
  const vault = await startVaultStandIn();
  const reader = new MapSecretReader();
  const fixture: VaultFixture = {
    vault,
    secrets: {},
    reader,
    context: { secrets: reader },
    caBundle: Buffer.from(vault.caPem).toString('base64'),
    refreshSecrets: () => reader.replace(secretValuesOf(fixture.secrets)),
  };
  return fixture;
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An `assert.rejects` check for a `FederationError` of that reason. */
export function failsWith(reason: Reason, check?: (error: FederationError) => void) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof FederationError, String(error));
    assert.equal(error.reason, reason, error.detail ?? error.message);
    check?.(error);
    return true;
  };
}
