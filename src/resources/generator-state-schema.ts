import { z } from 'zod';

/** The API version of GeneratorState, shared with the External Secrets Operator. */
export const generatorStateApiVersion = 'generators.external-secrets.io/v1alpha1';

/** The kind name of generator state objects. */
export const generatorStateKind = 'GeneratorState';

/**
 * `spec` of a GeneratorState: the same three fields as in the External Secrets Operator, so
 * either can read the other's objects. Who owns the state (issuer, subject, namespace,
 * service account, pod) is kept in labels and annotations, not in the spec.
 */
export const generatorStateSpecSchema = z.strictObject({
  garbageCollectionDeadline: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'RFC 3339 time after which the state is revoked and deleted; absent: kept until ' +
        'revoked by a client.',
    ),
  resource: z
    .unknown()
    .describe('Snapshot of the generator manifest that produced the state, used to revoke it.'),
  state: z
    .unknown()
    .describe('What the generator needs to revoke the values, e.g. a Vault lease; never logged.'),
});

/** The validated `spec` of a GeneratorState. */
export type GeneratorStateSpec = z.infer<typeof generatorStateSpecSchema>;
