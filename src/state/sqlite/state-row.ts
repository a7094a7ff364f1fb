import type { GeneratorStateRecord, NewState, StateFilter } from '../state-store.js';

/** One row of `generator_state`, as better-sqlite3 returns it. */
export interface StateRow {
  id: string;
  generator_namespace: string;
  generator_kind: string;
  generator_name: string;
  generator_spec: string;
  owner_federation: string;
  owner_issuer: string;
  owner_subject: string;
  owner_namespace: string | null;
  owner_service_account: string | null;
  owner_service_account_uid: string | null;
  owner_pod: string | null;
  owner_pod_uid: string | null;
  provider_state: string | null;
  phase: 'pending' | 'issued';
  created_at: number;
  gc_deadline: number;
}

/** Named parameters of the `find` statement; `null` leaves an optional condition out. */
export type FilterParams = Record<keyof StateFilter, string | null>;

/** Milliseconds since the epoch; an invalid `Date` is refused before it reaches a column. */
export function toMillis(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  return ms;
}

/**
 * JSON text for a column. `undefined` becomes SQL NULL; a value JSON cannot represent
 * (a bigint, a cycle) throws, so the caller learns the state was not recorded.
 */
export function toJson(value: unknown): string | null {
  // JSON.stringify answers undefined (not a string) for a function or a symbol.
  return value === undefined ? null : (JSON.stringify(value) ?? null);
}

export function toInsertParams(id: string, state: NewState, createdAt: number): StateRow {
  const { generator, owner } = state;
  return {
    id,
    generator_namespace: generator.namespace,
    generator_kind: generator.kind,
    generator_name: generator.name,
    generator_spec: toJson(state.generatorSpec) ?? 'null',
    owner_federation: owner.federation,
    owner_issuer: owner.issuer,
    owner_subject: owner.subject,
    owner_namespace: owner.namespace ?? null,
    owner_service_account: owner.serviceAccount ?? null,
    owner_service_account_uid: owner.serviceAccountUid ?? null,
    owner_pod: owner.pod ?? null,
    owner_pod_uid: owner.podUid ?? null,
    provider_state: null,
    phase: 'pending',
    created_at: createdAt,
    gc_deadline: toMillis(state.garbageCollectionDeadline),
  };
}

/** Every key present: an absent optional filter binds NULL, an empty string binds ''. */
export function toFilterParams(filter: StateFilter): FilterParams {
  // Revocation must never widen to every namespace or issuer (SPEC §8, defect 3).
  if (
    typeof filter.generatorNamespace !== 'string' ||
    typeof filter.federation !== 'string' ||
    typeof filter.issuer !== 'string'
  ) {
    throw new TypeError('a state filter needs generatorNamespace, federation and issuer');
  }
  return {
    generatorNamespace: filter.generatorNamespace,
    federation: filter.federation,
    issuer: filter.issuer,
    generatorKind: filter.generatorKind ?? null,
    generatorName: filter.generatorName ?? null,
    subject: filter.subject ?? null,
    podUid: filter.podUid ?? null,
    ownerName: filter.ownerName ?? null,
    ownerNamespace: filter.ownerNamespace ?? null,
  };
}

export function toRecord(row: StateRow): GeneratorStateRecord {
  return {
    id: row.id,
    generator: {
      namespace: row.generator_namespace,
      kind: row.generator_kind,
      name: row.generator_name,
    },
    generatorSpec: JSON.parse(row.generator_spec) as unknown,
    owner: {
      federation: row.owner_federation,
      issuer: row.owner_issuer,
      subject: row.owner_subject,
      namespace: row.owner_namespace ?? undefined,
      serviceAccount: row.owner_service_account ?? undefined,
      serviceAccountUid: row.owner_service_account_uid ?? undefined,
      pod: row.owner_pod ?? undefined,
      podUid: row.owner_pod_uid ?? undefined,
    },
    providerState:
      row.provider_state === null ? undefined : (JSON.parse(row.provider_state) as unknown),
    phase: row.phase,
    createdAt: new Date(row.created_at),
    garbageCollectionDeadline: new Date(row.gc_deadline),
  };
}
