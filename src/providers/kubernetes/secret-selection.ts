import { FederationError } from '../../errors.js';
import { selectProperty } from '../property.js';
import type { RemoteRef } from '../provider.js';

/** The parts of a core `v1` Secret the provider reads. */
export interface RemoteSecret {
  /** Decoded values by key. */
  data: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, item]) => typeof item === 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Reads the API server's JSON answer for one Secret. `data` values are base64, as the API
 * server always sends them. Anything else is a backend fault.
 */
export function parseRemoteSecret(text: string): RemoteSecret {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const metadata = isRecord(body) ? body.metadata : undefined;
  const encoded = isRecord(body) ? stringMap(body.data) : undefined;
  const labels = isRecord(metadata) ? stringMap(metadata.labels) : {};
  const annotations = isRecord(metadata) ? stringMap(metadata.annotations) : {};
  if (!isRecord(body) || body.kind !== 'Secret' || !encoded || !labels || !annotations) {
    throw new FederationError('BackendError', undefined, 'the API server sent no Secret');
  }

  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(encoded)) {
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return { data, labels, annotations };
}

/**
 * What one read returns, as the External Secrets Operator's kubernetes provider does:
 * without `property`, every data key as a JSON object of decoded strings; with it, the
 * decoded value of that data key. With `metadataPolicy: Fetch`, the same applied to
 * `{"labels": {...}, "annotations": {...}}`, where `property` is a dotted path.
 */
export function selectFromSecret(secret: RemoteSecret, ref: RemoteRef): string {
  if (ref.metadataPolicy === 'Fetch') {
    const metadata = JSON.stringify({ labels: secret.labels, annotations: secret.annotations });
    return ref.property ? selectProperty(metadata, ref.property) : metadata;
  }
  if (!ref.property) return JSON.stringify(secret.data);

  const value = Object.hasOwn(secret.data, ref.property) ? secret.data[ref.property] : undefined;
  if (value === undefined) {
    throw new FederationError('NotFound', undefined, 'the Secret has no such key');
  }
  return value;
}
