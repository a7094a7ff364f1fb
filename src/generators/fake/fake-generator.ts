import { z } from 'zod';

import type { GeneratedValues, Generator, GeneratorDefinition } from '../generator.js';

/** `spec` of a Fake generator: static values, for demos and tests. */
export const fakeSpecSchema = z
  .strictObject({
    data: z
      .record(z.string(), z.string())
      .optional()
      .describe('The values every call returns, by output key; none when absent.'),
    controller: z
      .string()
      .optional()
      .describe(
        'Selects the External Secrets Operator controller that handles this generator; ' +
          'accepted for compatibility, the federation server serves every Fake generator.',
      ),
  })
  .describe('Returns the same static values on every call.');

/** The validated spec of a Fake generator. */
export type FakeSpec = z.infer<typeof fakeSpecSchema>;

/** Creates a Fake generator: every call returns a copy of `spec.data`. */
export function createFakeGenerator(spec: FakeSpec): Generator {
  const data = { ...spec.data };
  return {
    async generate(): Promise<GeneratedValues> {
      return { values: { ...data } };
    },
  };
}

/** The `Fake` generator kind (`fakeSpec` inside a ClusterGenerator). */
export const fakeGenerator: GeneratorDefinition<FakeSpec> = {
  kind: 'Fake',
  clusterGeneratorKey: 'fakeSpec',
  schema: fakeSpecSchema,
  create: createFakeGenerator,
};
