import { z } from 'zod';
import type { ProviderDefinition } from '../providers/provider.js';
import { closestMatch, quoteList } from './suggest.js';
import { setUnknownKeyMessage } from './zod-issues.js';

/** The API version of ClusterSecretStore. */
export const clusterSecretStoreApiVersion = 'external-secrets.io/v1';

function unknownProvider(key: string, supported: readonly string[]): string {
  const suggestion = closestMatch(key, supported);
  const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
  return `unknown provider \`${key}\`; supported providers: ${quoteList(supported)}${hint}`;
}

function providerSchema(definitions: readonly ProviderDefinition[]) {
  const shape = Object.fromEntries(
    definitions.map((definition) => [definition.key, definition.schema.optional()]),
  );
  const schema = z
    .strictObject(shape)
    .superRefine((value, context) => {
      const present = Object.keys(value).filter((key) => value[key] !== undefined);
      const supported = quoteList(definitions.map((definition) => definition.key));
      // An unknown key already says what is wrong; "must name one provider" would repeat it.
      const hasUnknownKey = context.issues.some((issue) => issue.code === 'unrecognized_keys');
      if (present.length === 0 && !hasUnknownKey) {
        context.addIssue({ code: 'custom', message: `must name one provider: ${supported}` });
      } else if (present.length > 1) {
        context.addIssue({
          code: 'custom',
          message: `must name exactly one provider, found ${quoteList(present)}`,
        });
      }
    })
    // The property counts reach the CRD, so that the API server rejects an empty block too.
    .meta({
      description:
        'Exactly one provider block, under the same key as in External Secrets Operator.',
      minProperties: 1,
      maxProperties: 1,
    });
  return setUnknownKeyMessage(schema, unknownProvider);
}

const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.string(),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const conditionSchema = z.strictObject({
  namespaceSelector: labelSelectorSchema.optional(),
  namespaces: z.array(z.string()).optional(),
  namespaceRegexes: z.array(z.string()).optional(),
});

/**
 * `spec` of ClusterSecretStore, built from the provider registry. Besides `provider`, the
 * External Secrets Operator fields are accepted so that its manifests load unchanged:
 * `controller`, `refreshInterval` and `retrySettings` are ignored (they steer that
 * operator's reconcile loop, which does not exist here); `conditions` is ignored with a
 * warning, because it limits hub namespaces while here an Authorization decides who may
 * read the store.
 */
export function clusterSecretStoreSpecSchema(definitions: readonly ProviderDefinition[]) {
  return z.strictObject({
    provider: providerSchema(definitions),
    controller: z
      .string()
      .optional()
      .describe('Ignored: External Secrets Operator controller class.'),
    refreshInterval: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Ignored: seconds between store validations in External Secrets Operator.'),
    retrySettings: z
      .strictObject({
        maxRetries: z.number().int().min(0).optional(),
        retryInterval: z.string().optional(),
      })
      .optional()
      .describe('Ignored: client retry settings of External Secrets Operator.'),
    conditions: z
      .array(conditionSchema)
      .optional()
      .describe('Ignored with a warning: access is granted by Authorization resources.'),
  });
}

/** The validated `spec` of ClusterSecretStore. */
export type ClusterSecretStoreSpec = z.infer<ReturnType<typeof clusterSecretStoreSpecSchema>>;
