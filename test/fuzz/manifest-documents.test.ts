import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';

import { startClientCluster } from '../../src/dev/client-cluster.js';
import type { ClientCluster } from '../../src/dev/client-cluster.js';
import { validateDocument } from '../../src/resources/index.js';
import { baseManifests, issuerA, issuerB } from '../support/hub.js';
import { runSettings } from './fuzz-run.js';
import { assertProblemShape, validateChecked } from './manifest-checks.js';
import { applyMutation, mutation, plausibleManifest } from './manifest-arbitraries.js';

/** YAML output styles a person or a tool might produce for the same data. */
const yamlStyle = fc.record({
  indent: fc.integer({ min: 1, max: 8 }),
  // Narrower widths make yaml's own stringify corrupt folded strings (a bug of the
  // library, not of the loader), so the widths stay at what people use.
  lineWidth: fc.oneof(fc.constant(0), fc.integer({ min: 60, max: 200 })),
  collectionStyle: fc.constantFrom('any', 'block', 'flow') as fc.Arbitrary<
    'any' | 'block' | 'flow'
  >,
  defaultStringType: fc.constantFrom(
    'PLAIN',
    'QUOTE_DOUBLE',
    'QUOTE_SINGLE',
    'BLOCK_LITERAL',
    'BLOCK_FOLDED',
  ) as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED'>,
  defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE') as fc.Arbitrary<
    null | 'PLAIN' | 'QUOTE_DOUBLE'
  >,
  indentSeq: fc.boolean(),
});

/** The text of `value` as YAML or as JSON. */
function render(value: unknown, asJson: boolean): string {
  if (asJson) return JSON.stringify(value, null, 2) ?? '';
  return (stringify(value) as string | undefined) ?? '';
}

/** Every document one of the test configuration files holds, as plain data. */
function validDocuments(
  clusterA: ClientCluster,
  clusterB: ClientCluster,
): Record<string, unknown>[] {
  return Object.values(baseManifests(clusterA, clusterB)).flatMap((text) =>
    parseAllDocuments(text).map((document) => document.toJS() as Record<string, unknown>),
  );
}

describe('fuzzing manifest documents through the loader', () => {
  let clusterA: ClientCluster;
  let clusterB: ClientCluster;
  let documents: Record<string, unknown>[];

  before(async () => {
    clusterA = await startClientCluster({ issuer: issuerA });
    clusterB = await startClientCluster({ issuer: issuerB, algorithm: 'ES256' });
    documents = validDocuments(clusterA, clusterB);
  });
  after(async () => {
    await clusterA.close();
    await clusterB.close();
  });

  it('starts from documents that are all valid', () => {
    assert.ok(documents.length >= 10);
    for (const document of documents) {
      const result = validateChecked('valid.yaml', render(document, false));
      assert.deepEqual(result.problems, []);
      assert.equal(result.resources.length, 1);
    }
  });

  it('reports any JSON value as JSON or YAML text with problems, never throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, asJson) => {
        validateChecked('random.yaml', render(value, asJson));
      }),
      runSettings(0x5eed_0401, 400),
    );
  });

  it('reports any JavaScript value written as YAML (sets, maps, dates, binary) with problems', () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withNullPrototype: true,
      withSparseArray: true,
      withBoxedValues: true,
    });
    fc.assert(
      fc.property(anything, (value) => {
        validateChecked('anything.yaml', (stringify(value) as string | undefined) ?? '');
      }),
      runSettings(0x5eed_0406, 300),
    );
  });

  it('reports any JavaScript value given as a watched object, never throwing', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true }), (value) => {
        const result = validateDocument(value, { file: 'kubernetes' });
        for (const problem of [...result.problems, ...result.warnings]) {
          assertProblemShape(problem, 'kubernetes');
        }
        assert.ok(result.resource !== undefined || result.problems.length > 0);
      }),
      runSettings(0x5eed_0402, 300),
    );
  });

  it('reports random manifests of plausible shape, never throwing', () => {
    fc.assert(
      fc.property(
        fc.array(plausibleManifest, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (manifests, asJson) => {
          const text = asJson
            ? JSON.stringify(manifests.length === 1 ? manifests[0] : manifests)
            : manifests.map((manifest) => render(manifest, false)).join('---\n');
          const result = validateChecked('plausible.yaml', text);
          assert.ok(result.resources.length + result.problems.length > 0, 'nothing was reported');
        },
      ),
      runSettings(0x5eed_0403, 200),
    );
  });

  it('reports every mutation of a valid manifest as a resource or as problems, never both or neither', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (pick, changes, asJson) => {
          const document = structuredClone(documents[pick % documents.length] ?? {});
          for (const change of changes) applyMutation(document, change);
          const result = validateChecked('mutated.yaml', render(document, asJson));
          const outcomes = result.resources.length + (result.problems.length > 0 ? 1 : 0);
          assert.equal(outcomes, 1, JSON.stringify(result.problems));
        },
      ),
      runSettings(0x5eed_0404, 500),
    );
  });

  it('keeps a valid manifest valid through a YAML round trip in any style, with any name', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        yamlStyle,
        fc.option(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/), { nil: undefined }),
        fc.boolean(),
        (pick, style, name, isReversed) => {
          const original = structuredClone(documents[pick % documents.length] ?? {});
          const metadata = original.metadata as Record<string, unknown>;
          if (name !== undefined) metadata.name = name;
          const document = isReversed
            ? Object.fromEntries(Object.entries(original).reverse())
            : original;

          const before = validateChecked('before.yaml', render(document, false));
          const text = stringify(document, style);
          assert.deepEqual(parse(text), document, `yaml's stringify changed the data: ${text}`);
          const after = validateChecked('after.yaml', text);
          assert.deepEqual(after.problems, [], text);
          assert.equal(after.resources.length, 1);
          const [was, is] = [before.resources[0], after.resources[0]];
          assert.equal(is?.ref.kind, was?.ref.kind);
          assert.equal(is?.ref.name, name ?? was?.ref.name);
          assert.equal(is?.ref.namespace, was?.ref.namespace);
          const withoutOrigin = (value: unknown) =>
            JSON.stringify(value, (key, item: unknown) => (key === 'origin' ? undefined : item));
          assert.equal(withoutOrigin(is), withoutOrigin(was));
        },
      ),
      runSettings(0x5eed_0405, 300),
    );
  });
});
