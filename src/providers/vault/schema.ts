import { z } from 'zod';

import { caBundleSchema, caProviderSchema, secretKeySelectorSchema } from '../backend-tls/index.js';

/** Answers an unknown key of a strict object with `message` when it is one of `keys`. */
function refuseKeys(messages: Record<string, string>) {
  return {
    error: (issue: { code?: string; keys?: string[] }): string | undefined => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const known = issue.keys?.find((key) => messages[key] !== undefined);
      return known === undefined ? undefined : messages[known];
    },
  };
}

const tokenAuthSchema = secretKeySelectorSchema.describe(
  'The Secret key holding a Vault token, used as it is for every request.',
);

const appRoleAuthSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .default('approle')
      .describe('Mount path of the AppRole auth method; default `approle`.'),
    roleId: z.string().min(1).optional().describe('The role id, written in the manifest.'),
    roleRef: secretKeySelectorSchema
      .optional()
      .describe('The Secret key holding the role id, instead of roleId.'),
    secretRef: secretKeySelectorSchema.describe('The Secret key holding the secret id.'),
  })
  .refine((value) => (value.roleId === undefined) !== (value.roleRef === undefined), {
    error: 'set exactly one of roleId and roleRef',
  });

const kubernetesAuthSchema = z.strictObject(
  {
    mountPath: z
      .string()
      .min(1)
      .default('kubernetes')
      .describe('Mount path of the Kubernetes auth method; default `kubernetes`.'),
    role: z.string().min(1).describe('The Vault role to log in as.'),
    secretRef: secretKeySelectorSchema.describe(
      'The Secret key holding a service account JWT sent to Vault.',
    ),
  },
  refuseKeys({
    serviceAccountRef:
      'serviceAccountRef is not supported: the hub has no in-cluster token request yet; ' +
      'put a service account token in a Secret and name it in secretRef',
  }),
);

const jwtAuthSchema = z.strictObject(
  {
    path: z
      .string()
      .min(1)
      .default('jwt')
      .describe('Mount path of the JWT auth method; default `jwt`.'),
    role: z
      .string()
      .min(1)
      .optional()
      .describe("The Vault role to log in as; the mount's default role when absent."),
    secretRef: secretKeySelectorSchema.describe('The Secret key holding the JWT sent to Vault.'),
  },
  refuseKeys({
    kubernetesServiceAccountToken:
      'kubernetesServiceAccountToken is not supported: the hub has no in-cluster token ' +
      'request yet; put the JWT in a Secret and name it in secretRef',
  }),
);

// Set by the hub from `auth` and `namespace`; a second copy would confuse Vault.
const reservedHeaders = /^(x-vault-token|x-vault-namespace|authorization)$/i;

const unsupportedAuth = ['ldap', 'userPass', 'cert', 'iam', 'gcp', 'aws', 'azure'];

/** `auth`: exactly one method. */
export const vaultAuthSchema = z
  .strictObject(
    {
      namespace: z
        .string()
        .min(1)
        .optional()
        .describe('Vault namespace to log in to, when it differs from the store namespace.'),
      tokenSecretRef: tokenAuthSchema.optional(),
      appRole: appRoleAuthSchema.optional().describe('Log in with an AppRole role and secret id.'),
      kubernetes: kubernetesAuthSchema
        .optional()
        .describe('Log in with a Kubernetes service account JWT.'),
      jwt: jwtAuthSchema.optional().describe('Log in with a JWT or OIDC token.'),
    },
    {
      error: (issue) => {
        if (issue.code !== 'unrecognized_keys') return undefined;
        const method = issue.keys.find((key) => unsupportedAuth.includes(key));
        return method === undefined
          ? undefined
          : `auth method ${method} is not supported; use tokenSecretRef, appRole, kubernetes or jwt`;
      },
    },
  )
  .refine(
    (auth) =>
      [auth.tokenSecretRef, auth.appRole, auth.kubernetes, auth.jwt].filter(
        (method) => method !== undefined,
      ).length === 1,
    { error: 'set exactly one of tokenSecretRef, appRole, kubernetes and jwt' },
  )
  .describe('How the hub logs in to Vault.');

/**
 * `spec.provider.vault` of a ClusterSecretStore (also the `provider` of a
 * VaultDynamicSecret): the External Secrets Operator's field names.
 */
export const vaultProviderSchema = z
  .strictObject(
    {
      server: z
        .url({ protocol: /^https?$/, error: 'server must be an http or https URL' })
        .describe('Base URL of Vault, e.g. `https://vault.example.com:8200`.'),
      path: z
        .string()
        .min(1)
        .optional()
        .describe('Mount path of the KV engine; when absent, the key starts with it.'),
      version: z.enum(['v1', 'v2']).default('v2').describe('KV engine version; default `v2`.'),
      namespace: z
        .string()
        .min(1)
        .optional()
        .describe('Vault Enterprise namespace, sent as X-Vault-Namespace.'),
      caBundle: caBundleSchema.optional(),
      caProvider: caProviderSchema
        .optional()
        .describe('A Secret holding the CA bundle, read at call time.'),
      auth: vaultAuthSchema,
      headers: z
        .record(z.string(), z.string())
        .refine((headers) => !Object.keys(headers).some((name) => reservedHeaders.test(name)), {
          error: 'headers must not set X-Vault-Token, X-Vault-Namespace or Authorization',
        })
        .optional()
        .describe('Extra HTTP headers sent with every request to Vault.'),
      forwardInconsistent: z
        .boolean()
        .optional()
        .describe('Ask a performance standby to forward reads it cannot serve consistently.'),
      readYourWrites: z.boolean().optional().describe('Accepted and ignored: the hub only reads.'),
      checkAndSet: z
        .strictObject({
          required: z.boolean().optional().describe('Whether writes must use check-and-set.'),
        })
        .optional()
        .describe('Accepted and ignored: it applies to writes (PushSecret) only.'),
    },
    refuseKeys({
      tls:
        'tls (client certificate) is not supported by the vault provider yet; ' +
        'use another auth method',
    }),
  )
  .refine((spec) => spec.caBundle === undefined || spec.caProvider === undefined, {
    error: 'set at most one of caBundle and caProvider',
  })
  .describe('A HashiCorp Vault KV store.');

/** The validated `spec.provider.vault` block. */
export type VaultProviderSpec = z.infer<typeof vaultProviderSchema>;

/** The validated `auth` block. */
export type VaultAuthSpec = VaultProviderSpec['auth'];
