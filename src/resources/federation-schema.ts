import { z } from 'zod';
import type { Federation } from './model.js';
import { readCaBundle } from '../tls/ca-bundle.js';

/** API groups under which KubernetesFederation is accepted: the seed's and the newer one. */
export const federationApiVersions = [
  'federation.external-secrets.io/v1alpha1',
  'identity.federation.external-secrets.io/v1alpha1',
] as const;

/** Why `value` is not an acceptable https endpoint, or undefined when it is. */
function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username !== '' || url.password !== '') {
    return 'must not contain a user name or password';
  }
  if (url.search !== '' || value.includes('?')) return 'must not have a query string';
  if (url.hash !== '' || value.includes('#')) return 'must not have a fragment';
  return undefined;
}

const httpsUrl = z
  .string()
  // Case spelt out rather than with the `i` flag: the pattern is copied into the CRD, and a
  // JSON Schema pattern has no flags.
  .regex(/^[hH][tT][tT][pP][sS]:\/\//, { error: 'must be an https URL', abort: true })
  .superRefine((value, context) => {
    const problem = httpsUrlProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

/** `spec` of KubernetesFederation: one client cluster. */
export const kubernetesFederationSpecSchema = z.strictObject({
  url: httpsUrl.describe(
    'Base URL of the client cluster API server, e.g. https://api.client.example.com. ' +
      'https only; no query or fragment; a trailing slash is ignored.',
  ),
  caBundle: z
    .string()
    .superRefine((value, context) => {
      const result = readCaBundle(value);
      if ('error' in result) context.addIssue({ code: 'custom', message: result.error });
    })
    .optional()
    .describe(
      'PEM (or base64 of PEM) CA certificates of the API server. When set, the only trust ' +
        'root used to reach url; a ca.crt sent by a client is then ignored.',
    ),
  issuer: z
    .string()
    .min(1)
    .optional()
    .describe('Expected token issuer (iss); default: the issuer of the discovery document.'),
  jwksURL: httpsUrl
    .optional()
    .describe('Full https URL of the JWKS; default: url plus the path of the discovery jwks_uri.'),
  audiences: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('When set, a token must carry at least one of these audiences in aud.'),
});

/** The validated `spec` of KubernetesFederation. */
export type KubernetesFederationSpec = z.infer<typeof kubernetesFederationSpecSchema>;

/** The normalised federation: trailing slashes removed, CA bundle as PEM text. */
export function toFederation(name: string, spec: KubernetesFederationSpec): Federation {
  const federation: Federation = { name, url: spec.url.replace(/\/+$/, '') };
  if (spec.caBundle !== undefined) {
    const bundle = readCaBundle(spec.caBundle);
    if ('pem' in bundle) federation.caBundle = bundle.pem;
  }
  if (spec.issuer !== undefined) federation.issuer = spec.issuer;
  if (spec.jwksURL !== undefined) federation.jwksURL = spec.jwksURL;
  if (spec.audiences !== undefined) federation.audiences = [...spec.audiences];
  return federation;
}
