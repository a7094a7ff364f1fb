import { z } from 'zod';

import { awsSessionFields } from '../../providers/aws/index.js';

/**
 * `spec` of an ECRAuthorizationToken generator, with the External Secrets Operator's
 * names: the AWS session (`region`, `auth`, `role`) and the registry `scope`.
 */
export const ecrAuthorizationTokenSpecSchema = z
  .strictObject({
    ...awsSessionFields,
    scope: z
      .string()
      .refine((scope) => scope === 'private', {
        error:
          'only the `private` scope is supported: tokens for ECR Public are not implemented; ' +
          'omit scope or set it to private',
      })
      .optional()
      .describe('Which registries the token is for; only `private` (the default).'),
  })
  .describe('A docker login token for the private Amazon ECR registry of the account.');

/** The validated spec of an ECRAuthorizationToken generator. */
export type EcrAuthorizationTokenSpec = z.infer<typeof ecrAuthorizationTokenSpecSchema>;
