import { FederationError } from '../errors.js';
import { readCaBundle } from '../tls/ca-bundle.js';

/** Parsed `ca.crt` values by their text: pods of a cluster all send the same few CAs. */
const parsed = new Map<string, string>();
const parsedLimit = 64;

/**
 * Reads the `ca.crt` of a request: PEM text or base64 of PEM text, certificates only.
 * Returns the certificates as PEM; throws `InvalidCACert` for anything else. The reason
 * goes to the log detail only, never back to the caller. Accepted values are remembered,
 * so the certificates of a busy cluster are parsed once, not on every request.
 */
export function parseCABundle(value: string): string {
  const known = parsed.get(value);
  if (known !== undefined) return known;
  const result = readCaBundle(value);
  if ('error' in result) throw new FederationError('InvalidCACert', undefined, result.error);
  if (parsed.size >= parsedLimit) {
    const oldest = parsed.keys().next().value;
    if (oldest !== undefined) parsed.delete(oldest);
  }
  parsed.set(value, result.pem);
  return result.pem;
}
