import { z } from 'zod';

import { passwordEncodings } from './encoding.js';
import { defaultSymbolCharacters, findPasswordProblem, type PasswordOptions } from './password.js';

/** Upper bound of `length`: generous for any real password, and bounds the work per call. */
export const maxPasswordLength = 4096;

const count = z.int().min(0).max(maxPasswordLength);

/** Fields of the spec; the object schema below adds the checks that span fields. */
const passwordSpecObject = z.strictObject({
  length: z
    .int()
    .min(1)
    .max(maxPasswordLength)
    .default(24)
    .describe(`Number of characters in each password; default 24, at most ${maxPasswordLength}.`),
  digits: count
    .optional()
    .describe('Exact number of digits in each password; default 25% of length, rounded down.'),
  symbols: count
    .optional()
    .describe('Exact number of symbols in each password; default 25% of length, rounded down.'),
  symbolCharacters: z
    .string()
    .default(defaultSymbolCharacters)
    .describe(
      `The characters symbols are drawn from; default ${defaultSymbolCharacters}. ` +
        'Must not contain ASCII letters or digits.',
    ),
  noUpper: z.boolean().default(false).describe('Use lowercase letters only; default false.'),
  allowRepeat: z
    .boolean()
    .default(false)
    .describe('Allow a character to appear more than once; default false.'),
  secretKeys: z
    .array(z.string().min(1))
    .default(['password'])
    .describe(
      'Output keys, each receiving its own independent password; default ["password"]. ' +
        'An empty list means the default. Keys must be unique.',
    ),
  encoding: z
    .enum(passwordEncodings)
    .default('raw')
    .describe('How each password is written: raw (default), base64, base64url, base32 or hex.'),
});

type PasswordSpecFields = z.infer<typeof passwordSpecObject>;

/**
 * The options of one password from a spec: `digits` and `symbols` default to 25% of
 * `length`, rounded down, as in the External Secrets Operator.
 */
export function resolvePasswordOptions(spec: PasswordSpecFields): PasswordOptions {
  const quarter = Math.floor(spec.length * 0.25);
  return {
    length: spec.length,
    digits: spec.digits ?? quarter,
    symbols: spec.symbols ?? quarter,
    symbolCharacters: spec.symbolCharacters,
    noUpper: spec.noUpper,
    allowRepeat: spec.allowRepeat,
  };
}

/** The output keys of a spec: `["password"]` when the list is empty. */
export function resolveSecretKeys(spec: PasswordSpecFields): string[] {
  return spec.secretKeys.length > 0 ? spec.secretKeys : ['password'];
}

/** `spec` of a Password generator (and `spec.generator.passwordSpec` of a ClusterGenerator). */
export const passwordSpecSchema = passwordSpecObject
  .superRefine((spec, context) => {
    const problem = findPasswordProblem(resolvePasswordOptions(spec));
    if (problem) {
      context.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    }
    const keys = resolveSecretKeys(spec);
    if (new Set(keys).size !== keys.length) {
      context.addIssue({
        code: 'custom',
        path: ['secretKeys'],
        message: 'secretKeys must be unique',
      });
    }
  })
  .describe('Generates random passwords from a cryptographically secure source.');

/** The validated spec of a Password generator. */
export type PasswordSpec = z.infer<typeof passwordSpecSchema>;
