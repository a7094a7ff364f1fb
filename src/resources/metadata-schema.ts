import { z } from 'zod';

const dnsLabel = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dnsSubdomainPattern = new RegExp(`^${dnsLabel}(\\.${dnsLabel})*$`);
const dnsLabelPattern = new RegExp(`^${dnsLabel}$`);

/** An object name: a DNS-1123 subdomain, as Kubernetes requires for most kinds. */
export const objectNameSchema = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .max(253, { error: 'must be at most 253 characters', abort: true })
  .regex(dnsSubdomainPattern, {
    error:
      'must be a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, ' +
      'starting and ending with a letter or digit',
  });

/** A namespace name: a DNS-1123 label. */
export const namespaceNameSchema = z
  .string()
  .min(1, { error: 'must not be empty', abort: true })
  .max(63, { error: 'must be at most 63 characters', abort: true })
  .regex(dnsLabelPattern, {
    error:
      'must be a DNS-1123 label: lowercase letters, digits and `-`, ' +
      'starting and ending with a letter or digit',
  });

const stringMap = z.record(z.string(), z.string());

/**
 * `metadata` of every manifest. Fields that `kubectl get -o yaml` adds to an exported
 * object are accepted so that such an export loads unchanged, and are otherwise ignored.
 * Whether `namespace` is required or forbidden depends on the kind's scope and is checked
 * by the document validator.
 */
export const metadataSchema = z.strictObject({
  name: objectNameSchema.describe('Name of the object, a DNS-1123 subdomain.'),
  namespace: namespaceNameSchema
    .optional()
    .describe('Namespace; required for namespaced kinds, forbidden for cluster-scoped ones.'),
  labels: stringMap.optional().describe('Labels; kept for the operator, not interpreted.'),
  annotations: stringMap.optional().describe('Annotations; not interpreted.'),
  uid: z.string().optional().describe('Ignored.'),
  resourceVersion: z.string().optional().describe('Ignored.'),
  generation: z.number().int().optional().describe('Ignored.'),
  creationTimestamp: z.string().nullable().optional().describe('Ignored.'),
  deletionTimestamp: z.string().nullable().optional().describe('Ignored.'),
  deletionGracePeriodSeconds: z.number().int().optional().describe('Ignored.'),
  selfLink: z.string().optional().describe('Ignored.'),
  generateName: z.string().optional().describe('Ignored.'),
  managedFields: z.array(z.unknown()).optional().describe('Ignored.'),
  finalizers: z.array(z.string()).optional().describe('Ignored.'),
  ownerReferences: z.array(z.unknown()).optional().describe('Ignored.'),
});

/** The validated `metadata`. */
export type Metadata = z.infer<typeof metadataSchema>;

/**
 * The schema of a whole manifest of one kind: `apiVersion`, `kind`, `metadata`, `spec` and
 * an ignored `status`. The spec schema is the one source for that kind's CRD schema.
 */
export function manifestSchema<Spec extends z.ZodType>(
  apiVersions: readonly [string, ...string[]],
  kind: string,
  spec: Spec,
) {
  return z.strictObject({
    apiVersion: z.enum(apiVersions).describe('API group and version.'),
    kind: z.literal(kind).describe('Kind of the object.'),
    metadata: metadataSchema,
    spec,
    status: z.unknown().optional().describe('Written by controllers; ignored here.'),
  });
}
