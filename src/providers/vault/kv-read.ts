import { FederationError } from '../../errors.js';
import { decodeValue } from '../decoding.js';
import { selectProperty } from '../property.js';
import type { RemoteRef } from '../provider.js';
import { splitKey } from './kv-key.js';
import type { VaultProviderSpec } from './schema.js';
import type { VaultClient } from './vault-client.js';
import { vaultFailure } from './vault-transport.js';

type KvSpec = Pick<VaultProviderSpec, 'path' | 'version'>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * `property` of a secret's data: a top-level key of that exact name first (keys may hold
 * dots), else a dotted path; no property gives the whole data as JSON.
 */
function selectFrom(data: Record<string, unknown>, property: string | undefined): string {
  if (property === undefined || property === '') return JSON.stringify(data);
  if (Object.hasOwn(data, property)) return textOf(data[property]);
  return selectProperty(JSON.stringify(data), property);
}

function versionQuery(
  spec: KvSpec,
  version: string | undefined,
): Record<string, string> | undefined {
  if (version === undefined || version === '') return undefined;
  if (spec.version === 'v1') {
    throw new FederationError('InvalidRemoteRef', 'KV v1 has no versions; leave version out');
  }
  if (!/^[1-9][0-9]{0,9}$/.test(version)) {
    throw new FederationError('InvalidRemoteRef', 'version must be a positive integer for KV v2');
  }
  return { version };
}

async function readData(
  client: VaultClient,
  spec: KvSpec,
  ref: RemoteRef,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const { mount, secretPath } = splitKey(spec, ref.key);
  const query = versionQuery(spec, ref.version);
  const isV2 = spec.version === 'v2';
  const path = isV2 ? `${mount}/data/${secretPath}` : `${mount}/${secretPath}`;
  const response = await client.request({ method: 'GET', path, query, signal });
  // A deleted or destroyed KV v2 version is a 404 too, with metadata in the body.
  if (response.status !== 200) throw vaultFailure(response.status, 'secret');
  // KV never leases; a lease means the key reached another engine (database/creds/...)
  // whose value the hub could never revoke, so it is not handed out.
  const leaseId = response.body?.lease_id;
  if (typeof leaseId === 'string' && leaseId !== '') {
    throw new FederationError('BackendError', undefined, 'vault leased a KV read: no KV mount');
  }
  const data =
    isV2 && isObject(response.body?.data) ? response.body.data.data : response.body?.data;
  if (!isObject(data)) {
    throw new FederationError('NotFound', undefined, 'vault secret has no data');
  }
  return data;
}

async function readCustomMetadata(
  client: VaultClient,
  spec: KvSpec,
  ref: RemoteRef,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  if (spec.version === 'v1') {
    throw new FederationError('InvalidRemoteRef', 'KV v1 has no metadata; use a KV v2 store');
  }
  const { mount, secretPath } = splitKey(spec, ref.key);
  const path = `${mount}/metadata/${secretPath}`;
  const response = await client.request({ method: 'GET', path, signal });
  if (response.status !== 200) throw vaultFailure(response.status, 'secret metadata');
  const data = response.body?.data;
  const custom = isObject(data) ? data.custom_metadata : undefined;
  return isObject(custom) ? custom : {};
}

/**
 * Reads one value from a KV store: the secret's data (or, with `metadataPolicy: Fetch`, its
 * KV v2 custom metadata), narrowed by `property` and decoded by `decodingStrategy`.
 */
export async function readKv(
  client: VaultClient,
  spec: KvSpec,
  ref: RemoteRef,
  signal?: AbortSignal,
): Promise<string> {
  const isMetadata = ref.metadataPolicy === 'Fetch';
  const source = isMetadata
    ? await readCustomMetadata(client, spec, ref, signal)
    : await readData(client, spec, ref, signal);
  return decodeValue(selectFrom(source, ref.property), ref.decodingStrategy ?? 'None');
}
