import { z } from 'zod';

import { caBundleSchema, caProviderSchema, secretKeySelectorSchema } from '../backend-tls/index.js';

// RFC 1123 subdomain: what Kubernetes accepts as a namespace-scoped object name.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const serverSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL of the API server' })
      .describe('URL of the remote API server, e.g. https://10.0.0.1:6443.'),
    caBundle: caBundleSchema.optional(),
    caProvider: caProviderSchema
      .optional()
      .describe('The CA bundle read from a Secret key at call time.'),
  })
  .refine((server) => server.caBundle === undefined || server.caProvider === undefined, {
    error: 'set caBundle or caProvider, not both',
  });

const tokenAuthSchema = z.strictObject({
  bearerToken: secretKeySelectorSchema.describe('The Secret key holding the bearer token.'),
});

const certAuthSchema = z.strictObject({
  clientCert: secretKeySelectorSchema.describe('The Secret key holding the PEM certificate.'),
  clientKey: secretKeySelectorSchema.describe('The Secret key holding the PEM private key.'),
});

const refusedServiceAccount = z
  .unknown()
  .refine(() => false, {
    error:
      'serviceAccount auth is not supported: the hub cannot request tokens for it; ' +
      'put a token in a Secret and use auth.token.bearerToken',
  })
  .optional();

const authSchema = z
  .strictObject({
    token: tokenAuthSchema.optional(),
    cert: certAuthSchema.optional(),
    serviceAccount: refusedServiceAccount,
  })
  .refine((auth) => (auth.token === undefined) !== (auth.cert === undefined), {
    error: 'set exactly one of token or cert',
  });

/**
 * `spec.provider.kubernetes` of a ClusterSecretStore: the Secrets of one namespace of a
 * remote cluster, read through its API server.
 */
export const kubernetesProviderSchema = z
  .strictObject({
    server: serverSchema.describe('How to reach and trust the remote API server.'),
    auth: authSchema.describe('How the hub authenticates to the remote API server.'),
    authRef: z
      .unknown()
      .refine(() => false, {
        error: 'authRef (a kubeconfig in a Secret) is not supported; use auth.token or auth.cert',
      })
      .optional(),
    remoteNamespace: z
      .string()
      .regex(dnsLabel, { error: 'must be a namespace name' })
      .default('default')
      .describe('The namespace whose Secrets are served; default `default`.'),
  })
  .describe('Secrets of one namespace of a remote Kubernetes cluster.');

/** The validated `spec.provider.kubernetes` block. */
export type KubernetesProviderSpec = z.infer<typeof kubernetesProviderSchema>;

/** Whether `name` can be a Secret name (so it is safe in an API path). */
export function isSecretName(name: string): boolean {
  return name.length <= 253 && dnsSubdomain.test(name);
}
