import fc from 'fast-check';

import { resourceKinds } from '../../src/resources/index.js';

const kinds = resourceKinds();

/** Field names of real manifests, so that random objects reach past the first check. */
const plausibleKeys = [
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'name',
  'namespace',
  'labels',
  'annotations',
  'items',
  'url',
  'caBundle',
  'audiences',
  'federationRef',
  'subject',
  'issuer',
  'oidc',
  'allowedClusterSecretStores',
  'allowedGenerators',
  'allowedGeneratorStates',
  'provider',
  'fake',
  'vault',
  'data',
  'key',
  'value',
  'version',
  'length',
  'digits',
  'symbols',
  'generator',
  'passwordSpec',
  'keyType',
  'stringData',
  'type',
  '<<',
  '__proto__',
  'constructor',
];

export const plausibleKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...plausibleKeys) },
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

const apiVersion = fc.oneof(
  fc.constantFrom(...kinds.flatMap((kind) => kind.apiVersions)),
  fc.constantFrom(
    'v1',
    'v2',
    '',
    'federation.external-secrets.io/v1',
    'external-secrets.io/v1beta1',
  ),
  fc.string({ maxLength: 20 }),
  fc.jsonValue(),
);

const kind = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...kinds.map((entry) => entry.kind)) },
  fc.constantFrom('List', 'kubernetesfederation', 'Secret ', 'ClusterSecretStores', ''),
  fc.string({ maxLength: 20 }),
  fc.jsonValue(),
);

const objectName = fc.oneof(
  fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/),
  fc.string({ maxLength: 20 }),
  fc.integer({ min: 250, max: 260 }).map((n) => 'n'.repeat(n)),
  fc.jsonValue(),
);

/** A random JSON value whose objects tend to use the keys of real manifests. */
export const plausibleValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.dictionary(plausibleKey, tie('value'), { maxKeys: 5 }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

/** Objects with apiVersion, kind, metadata and spec of random but plausible values. */
export const plausibleManifest = fc.record(
  {
    apiVersion,
    kind,
    metadata: fc.oneof(
      fc.record(
        {
          name: objectName,
          namespace: objectName,
          labels: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }),
          uid: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
    spec: plausibleValue,
    items: fc.array(plausibleValue, { maxLength: 3 }),
    extra: plausibleValue,
  },
  { requiredKeys: [] },
);

/** One change to a manifest; `at` picks the node among those the change applies to. */
export type Mutation =
  | { type: 'drop'; at: number }
  | { type: 'retype'; at: number; value: unknown }
  | { type: 'insert'; at: number; key: string; value: unknown }
  | { type: 'unicode'; at: number; text: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    type: fc.constant('retype' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom(null, 0, -1, 1.5, true, '', [], {}, '0', 'true', '~'),
      fc.jsonValue(),
    ),
  }),
  fc.record({
    type: fc.constant('insert' as const),
    at: fc.nat(),
    key: plausibleKey,
    value: fc.jsonValue(),
  }),
  fc.record({
    type: fc.constant('unicode' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('\u0000', '\u202e', '\ufeff', '\ud800', 'İ', 'ǅ', 'ﬀ', 'a\u0301'),
    ),
  }),
);

type Path = (string | number)[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every path below the root, depth first, with the value found there. */
function nodes(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  const own = path.length > 0 ? [{ path, value }] : [];
  if (Array.isArray(value)) {
    return [...own, ...value.flatMap((item, index) => nodes(item, [...path, index]))];
  }
  if (isRecord(value)) {
    return [...own, ...Object.entries(value).flatMap(([key, item]) => nodes(item, [...path, key]))];
  }
  return own;
}

function parentOf(root: unknown, path: Path): unknown {
  let node = root;
  for (const segment of path.slice(0, -1))
    node = (node as Record<string | number, unknown>)[segment];
  return node;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = parentOf(root, path) as Record<string | number, unknown>;
  Object.defineProperty(parent, path[path.length - 1] as string | number, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Applies `change` to `document` in place; a change with nothing to apply to is a no-op.
 * Inserted values are copies: fast-check hands out the same constant objects on every
 * run, and a later change must not write into them.
 */
export function applyMutation(document: Record<string, unknown>, change: Mutation): void {
  const all = nodes(document);
  if (change.type === 'insert') {
    const objects = [{ path: [] as Path, value: document as unknown }, ...all].filter((node) =>
      isRecord(node.value),
    );
    const target = objects[change.at % objects.length];
    if (target) setAt(document, [...target.path, change.key], structuredClone(change.value));
    return;
  }
  const candidates =
    change.type === 'unicode' ? all.filter((node) => typeof node.value === 'string') : all;
  const target = candidates[change.at % Math.max(1, candidates.length)];
  if (!target) return;
  if (change.type === 'drop') {
    const parent = parentOf(document, target.path);
    const last = target.path[target.path.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else delete (parent as Record<string, unknown>)[String(last)];
  } else if (change.type === 'retype') {
    setAt(document, target.path, structuredClone(change.value));
  } else {
    setAt(document, target.path, change.text);
  }
}
