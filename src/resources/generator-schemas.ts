import { z } from 'zod';
import type { GeneratorDefinition } from '../generators/generator.js';
import { closestMatch, quoteList } from './suggest.js';
import { setUnknownKeyMessage } from './zod-issues.js';

/** The API version of every generator kind and of ClusterGenerator. */
export const generatorApiVersion = 'generators.external-secrets.io/v1alpha1';

/**
 * `spec` of a namespaced generator of one kind. Optional in the manifest, because kinds
 * such as UUID have nothing to configure; an absent spec is validated as `{}`.
 */
export function generatorSpecSchema(definition: GeneratorDefinition) {
  return definition.schema.optional().describe(`Settings of the ${definition.kind} generator.`);
}

function kindSchema(definitions: readonly GeneratorDefinition[]) {
  const [first, ...rest] = definitions.map((definition) => definition.kind);
  if (first === undefined) return z.never().describe('No generator kind is supported.');
  return z.enum([first, ...rest]).describe('The generator kind this wraps.');
}

function generatorBlockSchema(definitions: readonly GeneratorDefinition[]) {
  const shape = Object.fromEntries(
    definitions.map((definition) => [definition.clusterGeneratorKey, definition.schema.optional()]),
  );
  const keys = definitions.map((definition) => definition.clusterGeneratorKey);
  // The property counts reach the CRD, so that the API server rejects an empty block too.
  const schema = z.strictObject(shape).meta({
    description: 'Exactly one key: the <kind>Spec matching spec.kind, e.g. passwordSpec.',
    minProperties: 1,
    maxProperties: 1,
  });
  return setUnknownKeyMessage(schema, (key) => {
    const suggestion = closestMatch(key, keys);
    const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
    return `unknown generator \`${key}\`; supported: ${quoteList(keys)}${hint}`;
  });
}

/**
 * `spec` of ClusterGenerator: `kind` plus `generator.<key>` where the key is that kind's
 * `clusterGeneratorKey`, validated with that kind's schema.
 */
export function clusterGeneratorSpecSchema(definitions: readonly GeneratorDefinition[]) {
  return z
    .strictObject({
      kind: kindSchema(definitions),
      generator: generatorBlockSchema(definitions),
    })
    .superRefine((value, context) => {
      const expected = definitions.find((definition) => definition.kind === value.kind);
      if (expected === undefined) return;
      const block = value.generator as Record<string, unknown>;
      const present = Object.keys(block).filter((key) => block[key] !== undefined);
      const wanted = expected.clusterGeneratorKey;
      if (present.length === 1 && present[0] === wanted) return;
      const hasUnknownKey = context.issues.some(
        (issue) => issue.code === 'unrecognized_keys' && issue.path?.[0] === 'generator',
      );
      if (present.length === 0 && hasUnknownKey) return;
      const found = present.length === 0 ? 'found none' : `found ${quoteList(present)}`;
      context.addIssue({
        code: 'custom',
        path: ['generator'],
        message: `must hold exactly \`${wanted}\` for kind ${value.kind}, ${found}`,
      });
    });
}
