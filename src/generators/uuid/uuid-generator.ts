import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import type { GeneratedValues, Generator, GeneratorDefinition } from '../generator.js';

/** `spec` of a UUID generator: it takes no options, so any field is rejected. */
export const uuidSpecSchema = z
  .strictObject({})
  .describe('Generates a random version 4 UUID; takes no options.');

/** The validated (empty) spec of a UUID generator. */
export type UUIDSpec = z.infer<typeof uuidSpecSchema>;

/** Creates a UUID generator: every call returns `{ uuid }`, a fresh random version 4 UUID. */
export function createUUIDGenerator(): Generator {
  return {
    async generate(): Promise<GeneratedValues> {
      return { values: { uuid: randomUUID() } };
    },
  };
}

/** The `UUID` generator kind (`uuidSpec` inside a ClusterGenerator). */
export const uuidGenerator: GeneratorDefinition<UUIDSpec> = {
  kind: 'UUID',
  clusterGeneratorKey: 'uuidSpec',
  schema: uuidSpecSchema,
  create: createUUIDGenerator,
};
