import { FederationError } from '../errors.js';
import { readCaBundle } from '../tls/ca-bundle.js';

/**
 * Reads the `ca.crt` of a request: PEM text or base64 of PEM text, certificates only.
 * Returns the certificates as PEM; throws `InvalidCACert` for anything else. The reason
 * goes to the log detail only, never back to the caller.
 */
export function parseCABundle(value: string): string {
  const result = readCaBundle(value);
  if ('error' in result) throw new FederationError('InvalidCACert', undefined, result.error);
  return result.pem;
}
