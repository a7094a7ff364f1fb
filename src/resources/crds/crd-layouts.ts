import type { StatusFields } from './status-schema.js';

/** One column of `kubectl get`. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 (default): always shown; 1: only with `-o wide`. */
  priority?: number;
}

/** Everything about a CRD that the spec schema does not say. */
export interface CrdLayout {
  plural: string;
  shortNames: string[];
  categories: string[];
  columns: PrinterColumn[];
  status: StatusFields;
  /**
   * The External Secrets Operator defines this kind too: its names are kept, and status
   * fields it writes are preserved rather than pruned.
   */
  sharedWithEso: boolean;
}

/** Label keys of a GeneratorState, as SPEC §2 names them. */
export const generatorStateLabels = {
  owner: 'federation.externalsecrets.com/owner',
  generator: 'federation.externalsecrets.com/generator',
  generatorKind: 'federation.externalsecrets.com/generator-kind',
} as const;

const esoCategories = ['external-secrets'];
const esoGeneratorCategories = ['external-secrets', 'external-secrets-generators'];
const ourCategories = ['external-secrets', 'external-secrets-federation'];
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function conditionColumn(name: string, type: string, description: string): PrinterColumn {
  return {
    name,
    type: 'string',
    jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
    description,
  };
}

// A label key holds dots, which a JSONPath step must escape.
function labelPath(key: string): string {
  return `.metadata.labels.${key.replace(/\./g, '\\.')}`;
}

function federationLayout(shortName: string): CrdLayout {
  return {
    plural: 'kubernetesfederations',
    shortNames: [shortName],
    categories: ourCategories,
    columns: [
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      conditionColumn('Keys Fetched', 'KeysFetched', 'Whether the signing keys could be fetched.'),
      { name: 'Keys', type: 'integer', jsonPath: '.status.keyCount', priority: 1 },
      { name: 'Last Fetch', type: 'date', jsonPath: '.status.lastKeysFetchTime' },
      age,
    ],
    status: {
      keyCount: {
        type: 'integer',
        minimum: 0,
        description: 'Number of signing keys in the last key set fetched.',
      },
      lastKeysFetchTime: {
        type: 'string',
        format: 'date-time',
        description: 'When the key set was last fetched successfully.',
      },
    },
    sharedWithEso: false,
  };
}

const layouts: Record<string, CrdLayout> = {
  'federation.external-secrets.io/KubernetesFederation': federationLayout('kfed'),
  'identity.federation.external-secrets.io/KubernetesFederation': federationLayout('ikfed'),
  'federation.external-secrets.io/Authorization': {
    plural: 'authorizations',
    shortNames: ['fedauthz'],
    categories: ourCategories,
    columns: [
      { name: 'Federation', type: 'string', jsonPath: '.spec.federationRef.name' },
      { name: 'Subject', type: 'string', jsonPath: '.spec.subject.subject' },
      { name: 'Stores', type: 'integer', jsonPath: '.status.storeCount' },
      { name: 'Generators', type: 'integer', jsonPath: '.status.generatorCount' },
      conditionColumn(
        'Resolved',
        'ReferencesResolved',
        'Whether every store and generator exists.',
      ),
      { name: 'Issuer', type: 'string', jsonPath: '.spec.subject.issuer', priority: 1 },
      age,
    ],
    status: {
      storeCount: {
        type: 'integer',
        minimum: 0,
        description: 'Number of entries in spec.allowedClusterSecretStores.',
      },
      generatorCount: {
        type: 'integer',
        minimum: 0,
        description: 'Number of entries in spec.allowedGenerators.',
      },
    },
    sharedWithEso: false,
  },
  'external-secrets.io/ClusterSecretStore': {
    plural: 'clustersecretstores',
    shortNames: ['css'],
    categories: esoCategories,
    columns: [age, conditionColumn('Ready', 'Ready', 'Whether the store can be used.')],
    status: {},
    sharedWithEso: true,
  },
  'generators.external-secrets.io/ClusterGenerator': {
    plural: 'clustergenerators',
    shortNames: [],
    categories: esoGeneratorCategories,
    columns: [{ name: 'Kind', type: 'string', jsonPath: '.spec.kind' }, age],
    status: {},
    sharedWithEso: true,
  },
  'generators.external-secrets.io/GeneratorState': {
    plural: 'generatorstates',
    shortNames: ['gs'],
    categories: esoGeneratorCategories,
    columns: [
      { name: 'Generator', type: 'string', jsonPath: labelPath(generatorStateLabels.generator) },
      { name: 'Kind', type: 'string', jsonPath: labelPath(generatorStateLabels.generatorKind) },
      { name: 'Owner', type: 'string', jsonPath: labelPath(generatorStateLabels.owner) },
      // A string, not a date: kubectl prints a date in the future as "<invalid>".
      { name: 'GC Deadline', type: 'string', jsonPath: '.spec.garbageCollectionDeadline' },
      age,
    ],
    status: {},
    sharedWithEso: true,
  },
};

/** English plural of a kind, lowercased, as Kubernetes resource names spell it. */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * The layout of `kind` in `group`. A generator kind without an entry (every one so far:
 * the External Secrets Operator gives them no short names or columns) gets the
 * operator's naming rule, so a generator added to the registry needs no change here.
 */
export function crdLayout(group: string, kind: string): CrdLayout {
  const layout = layouts[`${group}/${kind}`];
  if (layout !== undefined) return layout;
  if (group !== 'generators.external-secrets.io') {
    throw new Error(`no CRD layout for ${kind} in ${group}`);
  }
  return {
    plural: pluralOf(kind),
    shortNames: [],
    categories: esoGeneratorCategories,
    columns: [age],
    status: {},
    sharedWithEso: true,
  };
}
