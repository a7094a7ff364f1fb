import type { GeneratorDefinition } from '../generators/generator.js';
import {
  clusterGeneratorSpecSchema,
  generatorApiVersion,
  generatorSpecSchema,
} from './generator-schemas.js';
import { manifestSchema } from './metadata-schema.js';
import { defineKind, type KindResult, type ResourceKind } from './resource-kind.js';
import type { ResourceRef } from './resource.js';
import { checkWithSchema, type FieldProblem } from './zod-issues.js';

const apiVersions = [generatorApiVersion] as const;

function prefixed(problems: FieldProblem[], prefix: PropertyKey[]): FieldProblem[] {
  return problems.map((problem) => ({ ...problem, path: [...prefix, ...problem.path] }));
}

function generatorResult(
  ref: ResourceRef,
  definition: GeneratorDefinition,
  spec: unknown,
  specPath: PropertyKey[],
): KindResult {
  // An absent spec (UUID needs none) is checked as `{}`, which also applies the defaults.
  if (spec === undefined) {
    const checked = checkWithSchema(definition.schema, {});
    if (!checked.success) return { problems: prefixed(checked.problems, specPath) };
    spec = checked.data;
  }
  return {
    resource: { type: 'generator', ref, generatorKind: definition.kind, spec, definition },
  };
}

/** One namespaced kind per registered generator, its spec validated by the definition. */
export function generatorKinds(definitions: readonly GeneratorDefinition[]): ResourceKind[] {
  return definitions.map((definition) => {
    const specSchema = generatorSpecSchema(definition);
    return defineKind({
      kind: definition.kind,
      apiVersions,
      namespaced: true,
      schema: manifestSchema(apiVersions, definition.kind, specSchema),
      specSchema,
      toResource: (manifest, ref) => generatorResult(ref, definition, manifest.spec, ['spec']),
    });
  });
}

/** The cluster-scoped ClusterGenerator kind, wrapping any registered generator kind. */
export const clusterGeneratorKindName = 'ClusterGenerator';

/** ClusterGenerator: `spec.kind` plus `spec.generator.<clusterGeneratorKey>`. */
export function clusterGeneratorKind(definitions: readonly GeneratorDefinition[]): ResourceKind {
  const specSchema = clusterGeneratorSpecSchema(definitions);
  return defineKind({
    kind: clusterGeneratorKindName,
    apiVersions,
    namespaced: false,
    schema: manifestSchema(apiVersions, clusterGeneratorKindName, specSchema),
    specSchema,
    toResource: (manifest, ref) => {
      const definition = definitions.find((item) => item.kind === manifest.spec.kind);
      if (definition === undefined) {
        return { problems: [{ path: ['spec', 'kind'], message: 'is not a generator kind' }] };
      }
      const key = definition.clusterGeneratorKey;
      const spec = (manifest.spec.generator as Record<string, unknown>)[key];
      return generatorResult(ref, definition, spec, ['spec', 'generator', key]);
    },
  });
}
