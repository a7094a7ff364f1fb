import { FederationError } from '../../errors.js';
import { decodeValue } from '../decoding.js';
import { selectProperty } from '../property.js';
import type { ProviderDefinition, RemoteRef, SecretProvider } from '../provider.js';
import { fakeProviderSchema, type FakeProviderSpec } from './schema.js';

/** Every value stored under one key, indexed for constant-time lookups. */
interface KeyEntries {
  /** The value of the entry without a version, when there is one. */
  unversioned?: string;
  /** The value of the last entry for this key, in spec order. */
  last: string;
  byVersion: Map<string, string>;
}

function indexEntries(spec: FakeProviderSpec): Map<string, KeyEntries> {
  const index = new Map<string, KeyEntries>();
  for (const entry of spec.data) {
    const value = entry.value ?? '';
    const entries: KeyEntries = index.get(entry.key) ?? { last: value, byVersion: new Map() };
    // An empty version means "no version", as in the External Secrets Operator.
    if (entry.version) {
      entries.byVersion.set(entry.version, value);
    } else {
      entries.unversioned = value;
    }
    entries.last = value;
    index.set(entry.key, entries);
  }
  return index;
}

function lookup(index: Map<string, KeyEntries>, ref: RemoteRef): string {
  const entries = index.get(ref.key);
  const value = ref.version
    ? entries?.byVersion.get(ref.version)
    : (entries?.unversioned ?? entries?.last);
  if (value === undefined) {
    throw new FederationError('NotFound', undefined, 'no fake entry for that key and version');
  }
  return value;
}

/** A provider answering from the entries of its spec. */
class FakeProvider implements SecretProvider {
  readonly #index: Map<string, KeyEntries>;

  constructor(spec: FakeProviderSpec) {
    this.#index = indexEntries(spec);
  }

  async getSecret(ref: RemoteRef): Promise<string> {
    if (ref.metadataPolicy === 'Fetch') {
      throw new FederationError('InvalidRemoteRef', 'the fake provider has no metadata');
    }

    const value = lookup(this.#index, ref);
    const selected = ref.property ? selectProperty(value, ref.property) : value;
    return decodeValue(selected, ref.decodingStrategy ?? 'None');
  }
}

/**
 * Creates a fake store from a validated spec. Lookups are constant time: the entries are
 * indexed once here. See {@link RemoteRef} for `property` and `decodingStrategy`.
 */
export function createFakeProvider(spec: FakeProviderSpec): SecretProvider {
  return new FakeProvider(spec);
}

/** `spec.provider.fake`: static entries, always available (the embedded demo store). */
export const fakeProvider: ProviderDefinition<FakeProviderSpec> = {
  key: 'fake',
  schema: fakeProviderSchema,
  create: createFakeProvider,
};
