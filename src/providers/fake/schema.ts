import { z } from 'zod';

/** One static entry of the fake store. */
const fakeEntrySchema = z.strictObject(
  {
    key: z.string().min(1).describe('The remote key that an ExternalSecret remoteRef names.'),
    value: z
      .string()
      .optional()
      .describe('The secret value returned for this key; the empty string when absent.'),
    version: z
      .string()
      .optional()
      .describe(
        'Optional version of this entry. A remoteRef with a version selects the entry with ' +
          'exactly that version; without one it selects the entry that has no version, or ' +
          'else the last entry for the key.',
      ),
  },
  {
    // valueMap was deprecated in the External Secrets Operator and is not supported here;
    // say so instead of the generic unknown-field message.
    error: (issue) =>
      issue.code === 'unrecognized_keys' && issue.keys.includes('valueMap')
        ? 'valueMap is deprecated and not supported; store the map as JSON text in value'
        : undefined,
  },
);

/**
 * `spec.provider.fake` of a ClusterSecretStore: a static list of keys and values, served
 * from memory. Useful for demos and tests.
 */
export const fakeProviderSchema = z
  .strictObject({
    data: z
      .array(fakeEntrySchema)
      .describe('The static entries of this store; later entries win over earlier duplicates.'),
  })
  .describe('A store that serves static values from its own spec.');

/** The validated `spec.provider.fake` block. */
export type FakeProviderSpec = z.infer<typeof fakeProviderSchema>;
