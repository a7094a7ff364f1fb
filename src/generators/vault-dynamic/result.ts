import { FederationError } from '../../errors.js';
import type { VaultResponse } from '../../providers/vault/index.js';
import type { GeneratedValues } from '../generator.js';
import type { VaultDynamicSpec } from './schema.js';

/**
 * What revoking a generated value needs: the lease Vault attached to it, or, for an answer
 * that issued a token (tokens carry no lease id), the token's accessor. An accessor
 * revokes the token without being one.
 */
export type VaultLeaseState = { leaseId: string } | { accessor: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strings as they are, any other JSON value (number, object, null...) as JSON text. */
function stringValues(source: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

function positiveSeconds(value: unknown): number | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** The part of the answer `resultType` names; undefined when Vault sent none. */
function selected(
  resultType: VaultDynamicSpec['resultType'],
  response: VaultResponse,
): Record<string, unknown> | undefined {
  const body = response.body;
  if (resultType === 'Raw') return isObject(body) ? { ...body } : undefined;
  const part = resultType === 'Auth' ? body?.auth : body?.data;
  return isObject(part) ? part : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The lease of an answer, else the accessor of the token it issued, whatever `resultType`
 * hands out: `Raw` carries the token too, and even `Data` leaves it live in Vault.
 */
function stateOf(response: VaultResponse): VaultLeaseState | undefined {
  const leaseId = nonEmpty(response.body?.lease_id);
  if (leaseId !== undefined) return { leaseId };
  const auth = response.body?.auth as { accessor?: unknown } | null | undefined;
  const accessor = nonEmpty(auth?.accessor);
  return accessor === undefined ? undefined : { accessor };
}

/**
 * The generated values of one answer of Vault, its lease (or token accessor) as provider
 * state, and as the values' lifetime the duration of what that state revokes: the token's
 * (`auth.lease_duration`) for an accessor or `resultType: Auth`, else the lease's.
 */
export function generatedFrom(spec: VaultDynamicSpec, response: VaultResponse): GeneratedValues {
  const part = selected(spec.resultType, response);
  if (part === undefined && !spec.allowEmptyResponse) {
    throw new FederationError('BackendError', undefined, 'vault answered without a result');
  }
  const providerState = stateOf(response);
  const isToken = providerState !== undefined && 'accessor' in providerState;
  const ttlSeconds = positiveSeconds(
    isToken || spec.resultType === 'Auth'
      ? response.body?.auth?.lease_duration
      : response.body?.lease_duration,
  );
  return {
    values: part === undefined ? {} : stringValues(part),
    ...(providerState === undefined ? {} : { providerState }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  };
}

/** The lease (or token accessor) of a stored provider state; undefined for a state that holds none. */
export function leaseOf(providerState: unknown): VaultLeaseState | undefined {
  if (providerState === undefined || providerState === null) return undefined;
  if (isObject(providerState) && typeof providerState.leaseId === 'string') {
    return { leaseId: providerState.leaseId };
  }
  if (isObject(providerState) && typeof providerState.accessor === 'string') {
    return { accessor: providerState.accessor };
  }
  throw new FederationError('BackendError', undefined, 'vault generator state has no lease');
}
