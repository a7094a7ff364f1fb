import { z } from 'zod';
import type { AuthorizationRule } from './model.js';
import { missingFieldMessage } from './issue-messages.js';
import { namespaceNameSchema, objectNameSchema } from './metadata-schema.js';

/** The API version of Authorization. */
export const authorizationApiVersion = 'federation.external-secrets.io/v1alpha1';

/** Assumed for an `allowedGenerators` entry without `apiVersion`. */
export const defaultGeneratorApiVersion = 'generators.external-secrets.io/v1alpha1';

const nonEmpty = z.string().min(1);

// One object with optional fields and a check, rather than a union: the CRD schema stays a
// plain object and the errors name the exact field that is missing.
const subjectSchema = z
  .strictObject({
    issuer: nonEmpty.optional().describe('The token issuer (iss), matched exactly.'),
    subject: nonEmpty
      .optional()
      .describe('The token subject (sub), e.g. system:serviceaccount:app-ns:app-sa.'),
    oidc: z
      .strictObject({
        issuer: nonEmpty.describe('The token issuer (iss), matched exactly.'),
        subject: nonEmpty.describe('The token subject (sub), matched exactly.'),
      })
      .optional()
      .describe('The same identity in the nested form; use either this or issuer and subject.'),
  })
  .superRefine((value, context) => {
    const hasFlatForm = value.issuer !== undefined || value.subject !== undefined;
    if (value.oidc !== undefined && hasFlatForm) {
      context.addIssue({
        code: 'custom',
        message: 'use either `issuer` and `subject`, or `oidc`, not both',
      });
      return;
    }
    if (value.oidc !== undefined) return;
    for (const field of ['issuer', 'subject'] as const) {
      if (value[field] === undefined) {
        context.addIssue({ code: 'custom', path: [field], message: missingFieldMessage });
      }
    }
  })
  .describe('The identity granted access: issuer and subject, or oidc.issuer and oidc.subject.');

const generatorRefSchema = z.strictObject({
  name: objectNameSchema.describe('Name of the generator.'),
  kind: nonEmpty.describe('Kind of the generator, e.g. Password, or ClusterGenerator.'),
  namespace: namespaceNameSchema.describe('Namespace of the generator on the hub.'),
  apiVersion: z
    .literal(defaultGeneratorApiVersion)
    .optional()
    .describe(`API version of the generator; default ${defaultGeneratorApiVersion}.`),
});

/** `spec` of Authorization: what one client identity may use. */
export const authorizationSpecSchema = z.strictObject({
  federationRef: z
    .strictObject({
      kind: z.literal('KubernetesFederation').describe('Always KubernetesFederation.'),
      name: objectNameSchema.describe('Name of the KubernetesFederation this rule trusts.'),
    })
    .describe('The federation through which the token must have been verified.'),
  subject: subjectSchema,
  allowedClusterSecretStores: z
    .array(objectNameSchema)
    .optional()
    .describe('Names of ClusterSecretStores the identity may read.'),
  allowedGenerators: z
    .array(generatorRefSchema)
    .optional()
    .describe('Generators the identity may call.'),
  allowedGeneratorStates: z
    .array(z.strictObject({ namespace: namespaceNameSchema.describe('A generator namespace.') }))
    .optional()
    .describe('Namespaces in which the identity may revoke generated state.'),
});

/** The validated `spec` of Authorization. */
export type AuthorizationSpec = z.infer<typeof authorizationSpecSchema>;

/** The normalised rule; both subject forms become `issuer` and `subject`. */
export function toAuthorizationRule(name: string, spec: AuthorizationSpec): AuthorizationRule {
  const identity = spec.subject.oidc ?? spec.subject;
  return {
    name,
    federation: spec.federationRef.name,
    issuer: identity.issuer ?? '',
    subject: identity.subject ?? '',
    clusterSecretStores: [...(spec.allowedClusterSecretStores ?? [])],
    generators: (spec.allowedGenerators ?? []).map((generator) => ({
      namespace: generator.namespace,
      kind: generator.kind,
      name: generator.name,
      apiVersion: generator.apiVersion ?? defaultGeneratorApiVersion,
    })),
    generatorStateNamespaces: (spec.allowedGeneratorStates ?? []).map((state) => state.namespace),
  };
}
