import type { Logger } from 'pino';

import type { Identity } from '../authn/identity.js';
import { FederationError, isFederationError } from '../errors.js';
import { findGenerator } from '../generators/registry.js';
import type { FederationMetrics } from '../metrics/index.js';
import type { GeneratorEntry } from '../resources/model.js';
import type {
  GeneratorStateRecord,
  NewState,
  StateFilter,
  StateStore,
} from '../state/state-store.js';
import { ownerOf } from '../state/state-store.js';
import { backendCall } from './backend-call.js';
import type { SecretReader } from '../providers/provider.js';

/**
 * How long a revocation holds its claim on a state; ms. The claim must outlast the revoke
 * (at most `backendTimeoutMs`, the wait for a backend slot included) and the removal after
 * it, or a second holder could take the state meanwhile: 60 s, or the backend timeout and
 * 30 s more when that is longer.
 */
export function revocationClaimMs(backendTimeoutMs: number): number {
  return Math.max(60_000, backendTimeoutMs + 30_000);
}

/** What is kept of a generator's spec with each state, enough to revoke it later. */
interface SpecSnapshot {
  kind: string;
  spec: unknown;
}

export interface CredentialOptions {
  state: StateStore;
  logger: Logger;
  /** How long a state is kept before the sweeper revokes it; milliseconds. */
  stateTtlMs: number;
  /** Bound on one generator or revocation call; milliseconds. */
  backendTimeoutMs: number;
  /** Counts generator calls and states issued and revoked. */
  metrics: FederationMetrics;
  /** Where generators rebuilt for a revocation read their credentials. */
  secrets: SecretReader;
  now?: () => number;
}

/**
 * Runs a generator for a caller with its state recorded first: the state is reserved
 * before anything is generated (no database, no credential), and if the result cannot
 * be recorded afterwards the values are revoked and never returned (SPEC §8, defect 7).
 * `beforeHandOut` runs once the state is recorded (the audit line); when it throws, the
 * values are revoked the same way, and its error is thrown. Values whose revoke fails stay
 * on record, due at once, so that the sweeper retries: none is ever left unrecorded.
 */
export async function issueCredentials(
  entry: GeneratorEntry,
  route: { namespace: string; kind: string; name: string },
  identity: Identity,
  options: CredentialOptions,
  beforeHandOut?: () => Promise<void>,
): Promise<Record<string, string>> {
  const now = options.now ?? Date.now;
  const snapshot: SpecSnapshot = { kind: entry.generatorKind, spec: entry.spec };
  const reservedDeadline = now() + options.stateTtlMs;
  const reserved: NewState = {
    generator: route,
    generatorSpec: snapshot,
    owner: ownerOf(identity),
    garbageCollectionDeadline: new Date(reservedDeadline),
  };
  const id = await options.state.reserve(reserved);

  let generated;
  try {
    generated = await backendCall(
      options.backendTimeoutMs,
      (callOptions) => entry.generator.generate(callOptions),
      options.metrics.generatorCall(entry.generatorKind, 'generate'),
    );
  } catch (error) {
    await options.state.remove(id).catch(() => false);
    throw error;
  }

  const ttlDeadline =
    generated.ttlSeconds === undefined ? Infinity : now() + generated.ttlSeconds * 1000;
  const deadline = new Date(Math.min(reservedDeadline, ttlDeadline));
  const { providerState } = generated;
  try {
    await options.state.complete(id, providerState, deadline);
  } catch (error) {
    await undoUnrecorded(entry, options, { id, reserved, providerState, cause: 'state' });
    throw isFederationError(error) ? error : new FederationError('StateWriteFailed');
  }
  try {
    await beforeHandOut?.();
  } catch (error) {
    await undoUnrecorded(entry, options, { id, reserved, providerState, cause: 'audit' });
    throw error;
  }
  options.metrics.stateIssued(entry.generatorKind);
  return generated.values;
}

/** Generated values that will not be handed out, and the state reserved for them. */
interface Unrecorded {
  id: string;
  reserved: NewState;
  providerState: unknown;
  /** What failed: recording the state, or the audit line after it. */
  cause: 'state' | 'audit';
}

/**
 * Revokes values that will not be handed out, then removes their state. When the revoke
 * fails the values are still live, so their state is kept, due at once, for the sweeper.
 */
async function undoUnrecorded(
  entry: GeneratorEntry,
  options: CredentialOptions,
  undo: Unrecorded,
): Promise<void> {
  const generator = { namespace: entry.namespace, kind: entry.kind, name: entry.name };
  const fields = { generator, stateId: undo.id, unrecorded: undo.cause };
  try {
    if (entry.generator.revoke) {
      await backendCall(
        options.backendTimeoutMs,
        (callOptions) => entry.generator.revoke!(undo.providerState, callOptions),
        options.metrics.generatorCall(entry.generatorKind, 'revoke'),
      );
    }
  } catch (error) {
    const reason = isFederationError(error) ? error.reason : 'BackendError';
    const keptStateId = await keepForSweeper(undo, options);
    const message =
      keptStateId === undefined
        ? 'values not handed out; revoke failed and state not recorded'
        : 'values not handed out; revoke failed, left to the sweeper';
    options.logger.error({ ...fields, reason, keptStateId }, message);
    return;
  }
  options.logger.warn(fields, 'values not handed out; revoked');
  await options.state.remove(undo.id).catch(() => false);
}

/**
 * Records values whose revoke failed with a deadline of now, so that the next sweep
 * revokes them. The reserved state takes them when it still can; when it is gone, or
 * claimed by a revocation that will delete it, a new state does. Resolves to the id of
 * the state holding them, or `undefined` when the store refused both.
 */
async function keepForSweeper(
  undo: Unrecorded,
  options: CredentialOptions,
): Promise<string | undefined> {
  const { state } = options;
  const due = new Date((options.now ?? Date.now)());
  const isKept = await state.complete(undo.id, undo.providerState, due).then(
    () => true,
    () => false,
  );
  if (isKept) return undo.id;
  try {
    const id = await state.reserve({ ...undo.reserved, garbageCollectionDeadline: due });
    await state.complete(id, undo.providerState, due);
    await state.remove(undo.id).catch(() => false);
    return id;
  } catch {
    return undefined;
  }
}

/** The generator kind that produced a state (a ClusterGenerator's `spec.kind`). */
function recordedKind(record: GeneratorStateRecord): string {
  const snapshot = record.generatorSpec as Partial<SpecSnapshot> | null;
  return typeof snapshot?.kind === 'string' ? snapshot.kind : record.generator.kind;
}

/**
 * Revokes what one state handed out, using the generator spec recorded with it, so that
 * a state can be revoked after its generator was edited or deleted.
 */
export async function revokeState(
  record: GeneratorStateRecord,
  options: Pick<CredentialOptions, 'backendTimeoutMs' | 'metrics' | 'secrets' | 'logger'>,
): Promise<void> {
  if (record.providerState === undefined || record.providerState === null) return;
  const snapshot = record.generatorSpec as Partial<SpecSnapshot> | null;
  const definition = snapshot?.kind === undefined ? undefined : findGenerator(snapshot.kind);
  if (!definition) {
    throw new FederationError('BackendError', undefined, 'generator kind of state is unknown');
  }
  // A ClusterGenerator's Secret refs name their namespace; a generator's default to its own.
  const namespace =
    record.generator.kind === 'ClusterGenerator' ? undefined : record.generator.namespace;
  const generator = definition.create(definition.schema.parse(snapshot?.spec), {
    secrets: options.secrets,
    namespace,
    logger: options.logger,
  });
  if (!generator.revoke) return;
  await backendCall(
    options.backendTimeoutMs,
    (callOptions) => generator.revoke!(record.providerState, callOptions),
    options.metrics.generatorCall(definition.kind, 'revoke'),
  );
}

/**
 * The sweeper's revocation of a state past its deadline; the sweeper deletes the state
 * afterwards.
 */
export async function revokeExpiredState(
  record: GeneratorStateRecord,
  options: Pick<CredentialOptions, 'backendTimeoutMs' | 'metrics' | 'secrets' | 'logger'>,
): Promise<void> {
  await revokeState(record, options);
  options.metrics.stateRevoked(recordedKind(record), 'expiry');
}

/**
 * Revokes and deletes every state the filter selects; stops at the first failure so
 * that nothing is deleted whose values are still live. Returns how many were revoked.
 */
export async function revokeMatching(
  filter: StateFilter,
  options: CredentialOptions,
): Promise<number> {
  const records = await options.state.find(filter);
  let revoked = 0;
  const claimMs = revocationClaimMs(options.backendTimeoutMs);
  for (const found of records) {
    // The state as claimed, not as found: a generator call may have completed it since.
    const record = await options.state.claim(found.id, claimMs);
    // A state another replica or the sweeper is revoking right now is theirs to finish.
    if (record === undefined) continue;
    try {
      await revokeState(record, options);
    } catch (error) {
      await options.state.release(record.id).catch(() => undefined);
      throw error;
    }
    if (!(await options.state.remove(record.id))) continue;
    options.metrics.stateRevoked(recordedKind(record), 'request');
    revoked += 1;
  }
  return revoked;
}
