import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { generatorDefinitions } from '../../generators/registry.js';
import { awsProviderSchema } from '../../providers/aws/schema.js';
import { vaultProviderSchema } from '../../providers/vault/schema.js';
import { resourceKinds } from '../resource-kinds.js';
import { buildCrds } from './build-crds.js';
import { pluralOf } from './crd-layouts.js';
import { toStructuralSchema, type StructuralSchema } from './structural-schema.js';

const allowedKeys = new Set([
  'type',
  'description',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

/** Where `schema` breaks the rules of a structural schema (apiextensions.k8s.io/v1). */
function structuralProblems(schema: StructuralSchema, path = '<root>'): string[] {
  const problems = Object.keys(schema)
    .filter((key) => !allowedKeys.has(key))
    .map((key) => `${path}: ${key} is not allowed`);
  const freeForm =
    schema['x-kubernetes-preserve-unknown-fields'] === true ||
    schema['x-kubernetes-int-or-string'] === true;
  if (schema.type === undefined && !freeForm) problems.push(`${path}: no type`);
  if (schema.properties && schema.additionalProperties) {
    problems.push(`${path}: additionalProperties beside properties`);
  }
  if (schema.type === 'array' && schema.items === undefined) problems.push(`${path}: no items`);
  for (const name of schema.required ?? []) {
    if (!schema.properties?.[name]) problems.push(`${path}: required ${name} is not a property`);
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    problems.push(...structuralProblems(child, `${path}.${name}`));
  }
  if (schema.items) problems.push(...structuralProblems(schema.items, `${path}[]`));
  if (schema.additionalProperties) {
    problems.push(...structuralProblems(schema.additionalProperties, `${path}.*`));
  }
  return problems;
}

const crds = buildCrds();

describe('buildCrds', () => {
  it('writes one CRD per kind and API group, for every kind with a spec schema', () => {
    const expected = resourceKinds()
      .filter((kind) => kind.specSchema !== undefined)
      .flatMap((kind) => kind.apiVersions.map((apiVersion) => `${apiVersion}/${kind.kind}`));
    const written = crds.map(
      (crd) => `${crd.spec.group}/${crd.spec.versions[0]?.name}/${crd.spec.names.kind}`,
    );
    assert.deepEqual(written, [
      ...expected,
      'generators.external-secrets.io/v1alpha1/GeneratorState',
    ]);
    assert.equal(new Set(crds.map((crd) => crd.metadata.name)).size, crds.length);
  });

  it('writes a namespaced CRD for every generator of the registry', () => {
    for (const definition of generatorDefinitions) {
      const crd = crds.find((item) => item.spec.names.kind === definition.kind);
      assert.equal(
        crd?.metadata.name,
        `${pluralOf(definition.kind)}.generators.external-secrets.io`,
      );
      assert.equal(crd?.spec.scope, 'Namespaced');
    }
  });

  it('keeps the names of the External Secrets Operator for the kinds it defines', () => {
    const names = Object.fromEntries(
      crds.map((crd) => [crd.metadata.name, [crd.spec.scope, crd.spec.names.shortNames ?? []]]),
    );
    assert.deepEqual(names['clustersecretstores.external-secrets.io'], ['Cluster', ['css']]);
    assert.deepEqual(names['clustergenerators.generators.external-secrets.io'], ['Cluster', []]);
    assert.deepEqual(names['generatorstates.generators.external-secrets.io'], [
      'Namespaced',
      ['gs'],
    ]);
    assert.deepEqual(names['passwords.generators.external-secrets.io'], ['Namespaced', []]);
    assert.deepEqual(names['sshkeys.generators.external-secrets.io'], ['Namespaced', []]);
  });

  it('gives GeneratorState the spec of the External Secrets Operator', () => {
    const crd = crds.find((item) => item.spec.names.kind === 'GeneratorState');
    const spec = crd?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    assert.deepEqual(Object.keys(spec?.properties ?? {}), [
      'garbageCollectionDeadline',
      'resource',
      'state',
    ]);
    assert.deepEqual(spec?.required, ['resource', 'state']);
    assert.equal(spec?.properties?.garbageCollectionDeadline?.format, 'date-time');
  });

  it('writes only structural schemas, with a status subresource holding conditions', () => {
    for (const crd of crds) {
      const version = crd.spec.versions[0];
      assert.ok(version);
      const root = version.schema.openAPIV3Schema;
      assert.deepEqual(structuralProblems(root), [], crd.metadata.name);
      assert.deepEqual(version.subresources, { status: {} });
      const conditions = root.properties?.status?.properties?.conditions;
      assert.deepEqual(Object.keys(conditions?.items?.properties ?? {}), [
        'type',
        'status',
        'reason',
        'message',
        'lastTransitionTime',
        'observedGeneration',
      ]);
      assert.ok(version.additionalPrinterColumns.some((column) => column.name === 'Age'));
    }
  });

  it('converts the providers not yet registered into structural schemas too', () => {
    for (const schema of [vaultProviderSchema, awsProviderSchema]) {
      assert.deepEqual(structuralProblems(toStructuralSchema(schema)), []);
    }
  });
});
