import { z } from 'zod';

import { readCaBundle } from '../../tls/index.js';

/**
 * One key of a Kubernetes Secret: the External Secrets Operator's `SecretKeySelector`.
 * `namespace` is required for refs of a ClusterSecretStore (checked when read).
 */
export const secretKeySelectorSchema = z.strictObject({
  name: z.string().min(1).describe('Name of the Secret.'),
  key: z.string().min(1).describe('Key inside the Secret.'),
  namespace: z
    .string()
    .min(1)
    .optional()
    .describe('Namespace of the Secret; required in a ClusterSecretStore.'),
});

/** `caBundle`: base64 of PEM CA certificates (plain PEM is accepted too). */
export const caBundleSchema = z
  .string()
  .superRefine((value, context) => {
    const result = readCaBundle(value);
    if ('error' in result) context.addIssue({ code: 'custom', message: result.error });
  })
  .describe('Base64 of the PEM CA certificates that issued the backend certificate.');

/**
 * `caProvider`: the CA bundle read from one key of a Secret at call time. ConfigMaps are
 * refused: in standalone mode the server has no ConfigMaps to read.
 */
export const caProviderSchema = z.strictObject({
  type: z
    .string()
    .refine((value) => value === 'Secret', {
      error: 'only `Secret` is supported; put the CA bundle in a Secret or in caBundle',
    })
    .describe('Where the CA bundle is kept; only `Secret` is supported.'),
  name: z.string().min(1).describe('Name of the Secret.'),
  key: z.string().min(1).describe('Key of the Secret holding the PEM bundle.'),
  namespace: z
    .string()
    .min(1)
    .optional()
    .describe('Namespace of the Secret; required in a ClusterSecretStore.'),
});

/** A validated `SecretKeySelector`. */
export type SecretKeySelector = z.infer<typeof secretKeySelectorSchema>;

/** A validated `caProvider`. */
export type CaProvider = z.infer<typeof caProviderSchema>;

/** Where a backend's CA bundle comes from; neither means the system roots. */
export interface TrustSpec {
  caBundle?: string;
  caProvider?: CaProvider;
}
