import { z } from 'zod';
import type { SecretEntry } from './model.js';
import { metadataSchema } from './metadata-schema.js';

// Kubernetes' rule for Secret keys.
const secretKeySchema = z.string().regex(/^[-._a-zA-Z0-9]+$/, {
  error: 'a Secret key may contain only letters, digits, `-`, `_` and `.`',
});

// Standard alphabet, padded, as Kubernetes encodes `data`; line breaks are tolerated, as the
// Go decoder behind the API server tolerates them.
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const base64Value = z.string().refine((value) => base64Pattern.test(value.replace(/[\r\n]/g, '')), {
  error: 'must be base64 (standard alphabet, padded)',
});

/**
 * A core `v1` Secret. Kept in the configuration snapshot for providers that serve
 * Kubernetes Secrets in standalone mode.
 */
export const secretSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: metadataSchema,
  type: z.string().min(1).optional().describe('Secret type; default Opaque.'),
  immutable: z.boolean().optional().describe('Ignored.'),
  data: z.record(secretKeySchema, base64Value).optional().describe('Values, base64-encoded.'),
  stringData: z
    .record(secretKeySchema, z.string())
    .optional()
    .describe('Values as plain text; a key here wins over the same key in data.'),
});

/** The validated Secret manifest. */
export type SecretManifest = z.infer<typeof secretSchema>;

/** Decodes `data`, then lays `stringData` over it, as the API server does on write. */
export function toSecretEntry(namespace: string, manifest: SecretManifest): SecretEntry {
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(manifest.data ?? {})) {
    data[key] = Buffer.from(value.replace(/[\r\n]/g, ''), 'base64');
  }
  for (const [key, value] of Object.entries(manifest.stringData ?? {})) {
    data[key] = Buffer.from(value, 'utf8');
  }
  return { namespace, name: manifest.metadata.name, type: manifest.type ?? 'Opaque', data };
}
