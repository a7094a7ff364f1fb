import { createHash } from 'node:crypto';

import { FederationError } from '../../errors.js';
import type { KubeObject } from '../../kubernetes/index.js';
import type { GeneratorStateRecord, NewState, StateFilter, StateOwner } from '../state-store.js';

/** The GeneratorState kind the External Secrets Operator defines, shared with it. */
export const generatorStateApiVersion = 'generators.external-secrets.io/v1alpha1';
export const generatorStatePlural = 'generatorstates';

const prefix = 'federation.externalsecrets.com';

/** Labels (SPEC §2) and annotations of the GeneratorState objects this server writes. */
export const stateLabels = {
  managedBy: 'app.kubernetes.io/managed-by',
  owner: `${prefix}/owner`,
  generator: `${prefix}/generator`,
  generatorKind: `${prefix}/generator-kind`,
} as const;

export const stateAnnotations = {
  /** JSON of the whole owner: issuer, subject, namespace, service account, pod. */
  owner: `${prefix}/owner`,
  /** The route's generator namespace, exactly (the object may live elsewhere when empty). */
  generatorNamespace: `${prefix}/generator-namespace`,
  phase: `${prefix}/phase`,
  /** Milliseconds since the epoch, by the server's clock. */
  createdAt: `${prefix}/created-at`,
  /** Until when one replica holds the right to revoke this state (ISO 8601). */
  claimedUntil: `${prefix}/claimed-until`,
  claimedBy: `${prefix}/claimed-by`,
} as const;

export const managedByValue = 'federation-server';

/** A label value: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends. */
export function labelValue(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  const clean = text.replace(/[^A-Za-z0-9._-]/g, '-');
  if (clean.length <= 63 && /^[A-Za-z0-9]/.test(clean) && /[A-Za-z0-9]$/.test(clean)) return clean;
  // Too long or badly bounded: a readable head and a hash keep it unique and valid.
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 10);
  const head = clean
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 50)
    .replace(/[^A-Za-z0-9]+$/, '');
  return head === '' ? hash : `${head}-${hash}`;
}

function serialise(value: unknown): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  } catch {
    throw new FederationError('StateWriteFailed', undefined, 'provider state is not JSON');
  }
}

/** The object recording a reserved state, in `objectNamespace`. */
export function newStateObject(
  state: NewState,
  objectNamespace: string,
  createdAt: number,
): KubeObject {
  const { generator, owner } = state;
  return {
    apiVersion: generatorStateApiVersion,
    kind: 'GeneratorState',
    metadata: {
      generateName: `${labelValue(generator.name)
        .slice(0, 40)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')}-`,
      namespace: objectNamespace,
      labels: {
        [stateLabels.managedBy]: managedByValue,
        [stateLabels.owner]: labelValue(owner.pod ?? owner.serviceAccount),
        [stateLabels.generator]: labelValue(generator.name),
        [stateLabels.generatorKind]: labelValue(generator.kind),
      },
      annotations: {
        [stateAnnotations.owner]: JSON.stringify(owner),
        [stateAnnotations.generatorNamespace]: generator.namespace,
        [stateAnnotations.phase]: 'pending',
        [stateAnnotations.createdAt]: String(createdAt),
      },
    },
    spec: {
      garbageCollectionDeadline: state.garbageCollectionDeadline.toISOString(),
      resource: {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: generator.kind,
        metadata: { name: generator.name, namespace: generator.namespace },
        spec: serialise(state.generatorSpec) ?? null,
      },
      state: {},
    },
  } as KubeObject;
}

/**
 * The merge patch that marks a state issued. It names the `resourceVersion` it was read
 * at, which the API server checks like an update's: a claim written since makes it fail
 * with 409 Conflict.
 */
export function completionPatch(
  providerState: unknown,
  deadline: Date,
  resourceVersion: string,
): object {
  const state = serialise(providerState);
  return {
    metadata: { resourceVersion, annotations: { [stateAnnotations.phase]: 'issued' } },
    spec: {
      garbageCollectionDeadline: deadline.toISOString(),
      state: state === undefined ? {} : { providerState: state },
    },
  };
}

interface StateObjectParts {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    garbageCollectionDeadline: string;
    resource?: { kind?: string; metadata?: { name?: string }; spec?: unknown };
    state?: { providerState?: unknown };
  };
}

/** The record of an object this server wrote; undefined for anything it cannot read. */
export function toRecord(object: KubeObject): GeneratorStateRecord | undefined {
  const { metadata, spec } = object as unknown as StateObjectParts;
  const annotations = metadata?.annotations ?? {};
  const ownerText = annotations[stateAnnotations.owner];
  const generatorNamespace = annotations[stateAnnotations.generatorNamespace];
  if (ownerText === undefined || generatorNamespace === undefined || spec === undefined) {
    return undefined;
  }
  try {
    return {
      id: `${metadata.namespace}/${metadata.name}`,
      generator: {
        namespace: generatorNamespace,
        kind: spec.resource?.kind ?? '',
        name: spec.resource?.metadata?.name ?? '',
      },
      generatorSpec: spec.resource?.spec ?? null,
      owner: JSON.parse(ownerText) as StateOwner,
      providerState: spec.state?.providerState,
      phase: annotations[stateAnnotations.phase] === 'issued' ? 'issued' : 'pending',
      createdAt: new Date(Number(annotations[stateAnnotations.createdAt])),
      garbageCollectionDeadline: new Date(spec.garbageCollectionDeadline),
    };
  } catch {
    return undefined;
  }
}

/** The same selection as the SQLite store's: exact matches, absent fields do not narrow. */
export function matchesFilter(record: GeneratorStateRecord, filter: StateFilter): boolean {
  const { owner, generator } = record;
  const narrows = (wanted: string | undefined, actual: string | undefined): boolean =>
    wanted === undefined || wanted === actual;
  return (
    generator.namespace === filter.generatorNamespace &&
    owner.federation === filter.federation &&
    owner.issuer === filter.issuer &&
    narrows(filter.subject, owner.subject) &&
    narrows(filter.generatorKind, generator.kind) &&
    narrows(filter.generatorName, generator.name) &&
    narrows(filter.podUid, owner.podUid) &&
    narrows(filter.ownerNamespace, owner.namespace) &&
    (filter.ownerName === undefined ||
      owner.pod === filter.ownerName ||
      owner.serviceAccount === filter.ownerName)
  );
}

/** Oldest first by `key`, then by id, as the SQLite store orders. */
export function byTime(key: 'createdAt' | 'garbageCollectionDeadline') {
  return (a: GeneratorStateRecord, b: GeneratorStateRecord): number =>
    a[key].getTime() - b[key].getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
