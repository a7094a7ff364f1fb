import type { Identity } from '../authn/identity.js';

/** Which generator produced a state (the route's namespace, kind and name). */
export interface GeneratorRef {
  namespace: string;
  kind: string;
  name: string;
}

/** The workload that received generated values. */
export interface StateOwner {
  federation: string;
  issuer: string;
  subject: string;
  namespace?: string;
  serviceAccount?: string;
  serviceAccountUid?: string;
  pod?: string;
  podUid?: string;
}

/** One issued credential: who received what, and how to revoke it (SPEC §2). */
export interface GeneratorStateRecord {
  id: string;
  generator: GeneratorRef;
  /** A snapshot of the generator's spec at the time of the call. */
  generatorSpec: unknown;
  owner: StateOwner;
  /** What the generator needs to revoke the values; `undefined` while pending. */
  providerState: unknown;
  /** `pending` from before the generator runs until its result is recorded. */
  phase: 'pending' | 'issued';
  createdAt: Date;
  garbageCollectionDeadline: Date;
}

/**
 * Selects the states of one owner, for revocation (SPEC §3). Absent optional fields do not
 * narrow; every present field is an exact match, and an empty string matches only an
 * empty value (it is never a wildcard).
 */
export interface StateFilter {
  /** Always required: revocation never crosses generator namespaces. */
  generatorNamespace: string;
  /**
   * Always required: the KubernetesFederation the caller was verified through. Two client
   * clusters may share an issuer (`https://kubernetes.default.svc.cluster.local` is the
   * default), so the issuer alone does not tell their states apart.
   */
  federation: string;
  generatorKind?: string;
  generatorName?: string;
  issuer: string;
  subject?: string;
  podUid?: string;
  /** Matches the owner's pod name or its service account name. */
  ownerName?: string;
  ownerNamespace?: string;
}

/** What {@link StateStore.reserve} records before the generator runs. */
export interface NewState {
  generator: GeneratorRef;
  generatorSpec: unknown;
  owner: StateOwner;
  garbageCollectionDeadline: Date;
}

/**
 * Where generator state lives: SQLite in standalone mode, GeneratorState objects in
 * Kubernetes mode. Every method may reject with a `FederationError('StateWriteFailed')`.
 */
export interface StateStore {
  /** Records that a generator is about to run; returns the new state's id. */
  reserve(state: NewState): Promise<string>;
  /**
   * Marks a reserved state `issued` with what the generator handed out, and sets its
   * deadline to the one given (the caller passes the earlier of the reserved deadline and
   * the values' own expiry). Rejects when the state is gone, e.g. swept while the generator
   * ran, and while anyone holds an unexpired claim on it: a revocation that claimed the
   * pending state will delete it. Either way the caller must revoke the values itself
   * (SPEC §8, defect 7), so that every value handed out is recorded or revoked.
   */
  complete(id: string, providerState: unknown, garbageCollectionDeadline: Date): Promise<void>;
  /** States matching `filter`, oldest first. */
  find(filter: StateFilter): Promise<GeneratorStateRecord[]>;
  /** States whose deadline is at or before `now`, oldest first, at most `limit`. */
  findExpired(now: Date, limit: number): Promise<GeneratorStateRecord[]>;
  /**
   * Takes the right to revoke one state for `holdMs` milliseconds, so that replicas
   * sharing the store never revoke the same state twice. Resolves to the state as it
   * stands once claimed: revoke what that record holds, never an older copy (the state
   * may have been completed since it was listed). `undefined` when the state is gone or
   * any unexpired claim holds it, this holder's own included; the caller then leaves that
   * state alone. `holdMs` must outlast the revocation and the removal that follow.
   */
  claim(id: string, holdMs: number): Promise<GeneratorStateRecord | undefined>;
  /** Gives up a claim after a failed revocation, so that a later attempt may take it. */
  release(id: string): Promise<void>;
  /** Deletes one state; `false` when it was already gone. */
  remove(id: string): Promise<boolean>;
  /** How many states are on record, pending and issued alike (the metrics' live states). */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** The owner fields of a state, taken from a verified identity. */
export function ownerOf(identity: Identity): StateOwner {
  return {
    federation: identity.federation,
    issuer: identity.issuer,
    subject: identity.subject,
    namespace: identity.namespace,
    serviceAccount: identity.serviceAccount?.name,
    serviceAccountUid: identity.serviceAccount?.uid,
    pod: identity.pod?.name,
    podUid: identity.pod?.uid,
  };
}
