import { z } from 'zod';

import { vaultProviderSchema } from '../../providers/vault/index.js';

/** What a VaultDynamicSecret returns from Vault's answer. */
export const resultTypes = ['Data', 'Auth', 'Raw'] as const;

/** Vault API methods a VaultDynamicSecret may call. */
export const dynamicMethods = ['GET', 'POST', 'PUT', 'LIST', 'DELETE'] as const;

const isScalar = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const retrySettingsSchema = z
  .strictObject({
    maxRetries: z.int().min(0).optional().describe('Accepted and ignored.'),
    retryInterval: z.string().optional().describe('Accepted and ignored.'),
  })
  .describe(
    'Accepted and ignored: every call to Vault already has bounded retries on transient errors.',
  );

/**
 * `spec` of a VaultDynamicSecret: the External Secrets Operator's field names. One call
 * to `path` per generation; the lease Vault attaches to the answer is kept in the
 * generator state and revoked with it.
 */
export const vaultDynamicSpecSchema = z
  .strictObject({
    provider: vaultProviderSchema.describe(
      'How to reach and log in to Vault: the `vault` block of a ClusterSecretStore.',
    ),
    path: z
      .string()
      .min(1)
      .refine(
        (path) =>
          path
            .replace(/^\/+/, '')
            .replace(/^v1\//, '')
            .split('/')
            .every((segment) => segment !== '' && segment !== '.' && segment !== '..'),
        { error: 'path must be a Vault API path without empty, . or .. segments' },
      )
      .describe('The Vault API path to call, e.g. `database/creds/app`; `/v1/` is optional.'),
    method: z
      .enum(dynamicMethods, { error: `method must be one of ${dynamicMethods.join(', ')}` })
      .default('GET')
      .describe('The HTTP method of the call; default `GET`.'),
    parameters: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'Sent as the JSON body with POST and PUT, as query parameters with GET (scalar values only).',
      ),
    resultType: z
      .enum(resultTypes)
      .default('Data')
      .describe(
        'Which part of the answer is returned: `data` (default), `auth`, or the whole answer.',
      ),
    allowEmptyResponse: z
      .boolean()
      .default(false)
      .describe('Return no values instead of failing when Vault answers without data.'),
    retrySettings: retrySettingsSchema.optional(),
    controller: z
      .string()
      .optional()
      .describe('Accepted and ignored: it picks an External Secrets Operator controller.'),
  })
  .superRefine((spec, context) => {
    if (spec.parameters === undefined) return;
    if (spec.method === 'LIST' || spec.method === 'DELETE') {
      context.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: `parameters are not sent with ${spec.method}; leave them out`,
      });
    } else if (spec.method === 'GET' && !Object.values(spec.parameters).every(isScalar)) {
      context.addIssue({
        code: 'custom',
        path: ['parameters'],
        message: 'parameters of a GET are query parameters: strings, numbers or booleans only',
      });
    }
  })
  .describe('Dynamic credentials from Vault, e.g. a database user with a lease.');

/** The validated spec of a VaultDynamicSecret. */
export type VaultDynamicSpec = z.infer<typeof vaultDynamicSpecSchema>;
