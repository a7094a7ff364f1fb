import type { GeneratorDefinition } from './generator.js';

/** Every supported generator kind; one line per generator. */
export const generatorDefinitions: readonly GeneratorDefinition[] = [];

export function findGenerator(kind: string): GeneratorDefinition | undefined {
  return generatorDefinitions.find((definition) => definition.kind === kind);
}
