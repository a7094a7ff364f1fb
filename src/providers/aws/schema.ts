import { z } from 'zod';

import { secretKeySelectorSchema } from '../backend-tls/index.js';

/** `auth.secretRef`: an access key kept in Kubernetes Secrets, read at call time. */
const awsSecretRefAuthSchema = z.strictObject({
  accessKeyIDSecretRef: secretKeySelectorSchema.describe(
    'The Secret key holding the access key id.',
  ),
  secretAccessKeySecretRef: secretKeySelectorSchema.describe(
    'The Secret key holding the secret access key.',
  ),
  sessionTokenSecretRef: secretKeySelectorSchema
    .optional()
    .describe('The Secret key holding a session token, for temporary credentials.'),
});

/**
 * `auth` of the AWS provider and generators. Absent means the SDK's default credential
 * chain of the server process (environment, shared files, web identity, instance role).
 */
export const awsAuthSchema = z
  .strictObject(
    {
      secretRef: awsSecretRefAuthSchema.describe('An access key kept in Secrets.'),
    },
    {
      // IRSA needs a token of a ServiceAccount of the store's own cluster, which the hub
      // does not have; the default chain still honours AWS_WEB_IDENTITY_TOKEN_FILE.
      error: (issue) =>
        issue.code === 'unrecognized_keys' && issue.keys.includes('jwt')
          ? 'auth.jwt (IRSA) is not supported; use auth.secretRef, or omit auth to use the ' +
            "server's default credential chain"
          : undefined,
    },
  )
  .describe('How the server authenticates to AWS; the default credential chain when absent.');

/** The fields shared by the provider and the generators: region, credentials, role. */
export const awsSessionFields = {
  region: z.string().min(1).describe('The AWS region, e.g. `eu-central-1`.'),
  auth: awsAuthSchema.optional(),
  role: z
    .string()
    .min(1)
    .optional()
    .describe('ARN of a role assumed with STS AssumeRole; reused until 5 min before it expires.'),
};

function refuse(field: string, hint: string) {
  return z
    .unknown()
    .optional()
    .refine((value) => value === undefined, { error: `${field} is not supported; ${hint}` })
    .describe(`Not supported; refused when set.`);
}

/**
 * `spec.provider.aws` of a ClusterSecretStore, with the External Secrets Operator's names.
 */
export const awsProviderSchema = z
  .strictObject({
    service: z
      .enum(['SecretsManager', 'ParameterStore'])
      .describe('Which AWS service holds the secrets.'),
    ...awsSessionFields,
    externalID: z
      .string()
      .min(1)
      .optional()
      .describe('The external id sent with AssumeRole; only meaningful with `role`.'),
    prefix: z.string().optional().describe('Prepended to every remote key before it is looked up.'),
    secretsManager: z
      .strictObject({
        forceDeleteWithoutRecovery: z.boolean().optional(),
        recoveryWindowInDays: z.number().int().optional(),
      })
      .optional()
      .describe('Deletion settings for pushed secrets; accepted and ignored (reads only).'),
    additionalRoles: refuse('additionalRoles', 'assume a single role with `role`'),
    sessionTags: refuse('sessionTags', 'tag the role session in IAM instead'),
    transitiveTagKeys: refuse('transitiveTagKeys', 'it only applies with sessionTags'),
  })
  .refine((spec) => spec.externalID === undefined || spec.role !== undefined, {
    error: 'externalID needs role: it is sent with AssumeRole',
    path: ['externalID'],
  })
  .describe('A store backed by AWS Secrets Manager or Systems Manager Parameter Store.');

/** The validated `spec.provider.aws` block. */
export type AwsProviderSpec = z.infer<typeof awsProviderSchema>;

/** The validated `auth` block. */
export type AwsAuth = z.infer<typeof awsAuthSchema>;
