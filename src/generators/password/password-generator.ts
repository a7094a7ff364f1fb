import type { GeneratedValues, Generator, GeneratorDefinition } from '../generator.js';
import { encodePassword } from './encoding.js';
import { findPasswordProblem, generatePassword } from './password.js';
import {
  passwordSpecSchema,
  resolvePasswordOptions,
  resolveSecretKeys,
  type PasswordSpec,
} from './schema.js';

/**
 * Creates a Password generator from a validated spec. Every call returns one independent
 * password per key of `secretKeys`; nothing is kept, so there is nothing to revoke.
 *
 * @throws RangeError when the spec cannot produce a password (the schema rejects it first).
 */
export function createPasswordGenerator(spec: PasswordSpec): Generator {
  const options = resolvePasswordOptions(spec);
  const keys = resolveSecretKeys(spec);
  // Fail when the resource loads rather than on the first request.
  const problem = findPasswordProblem(options);
  if (problem) {
    throw new RangeError(`invalid Password spec: ${problem.field}: ${problem.message}`);
  }

  return {
    async generate(): Promise<GeneratedValues> {
      const values: Record<string, string> = {};
      for (const key of keys) {
        values[key] = encodePassword(generatePassword(options), spec.encoding);
      }
      return { values };
    },
  };
}

/** The `Password` generator kind (`passwordSpec` inside a ClusterGenerator). */
export const passwordGenerator: GeneratorDefinition<PasswordSpec> = {
  kind: 'Password',
  clusterGeneratorKey: 'passwordSpec',
  schema: passwordSpecSchema,
  create: createPasswordGenerator,
};
