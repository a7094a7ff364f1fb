import { FederationError } from '../errors.js';
import { selectJsonProperty } from '../property-path.js';

/**
 * Selects `property` from a value holding JSON. A string result is returned as it is;
 * any other result (number, boolean, null, object, array) as JSON text.
 *
 * A malformed path (an empty segment, a trailing backslash) is `InvalidRemoteRef`. A value
 * that is not JSON, or a path that does not exist in it, is `NotFound` with the message of
 * a missing key: a caller must not learn which part was missing (the External Secrets
 * Operator treats both as a missing key).
 */
export function selectProperty(value: string, property: string): string {
  const result = selectJsonProperty(value, property);
  if (typeof result !== 'string') return result.text;
  if (result === 'lone-backslash') {
    throw new FederationError('InvalidRemoteRef', 'property ends with a lone backslash');
  }
  if (result === 'empty-segment') {
    throw new FederationError('InvalidRemoteRef', 'property has an empty path segment');
  }
  throw new FederationError('NotFound', undefined, 'property not found in the value');
}
