import { FederationError } from '../errors.js';
import type { DecodingStrategy } from './provider.js';

type Base64Alphabet = 'base64' | 'base64url';

// Both alphabets, padded to a multiple of four, as Go's StdEncoding and URLEncoding expect
// (External Secrets Operator decodes with those, so a value valid there is valid here).
const alphabetPatterns: Record<Base64Alphabet, RegExp> = {
  base64: /^[A-Za-z0-9+/]*={0,2}$/,
  base64url: /^[A-Za-z0-9_-]*={0,2}$/,
};

/**
 * Decodes base64 text strictly: the alphabet must match and the padding must be complete.
 * Line breaks are skipped, as Go's decoder does. Returns undefined when the text is not valid.
 */
function decodeBase64Strict(text: string, alphabet: Base64Alphabet): string | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !alphabetPatterns[alphabet].test(compact)) {
    return undefined;
  }
  return Buffer.from(compact, alphabet).toString('utf8');
}

function invalidEncoding(strategy: DecodingStrategy): FederationError {
  const alphabet = strategy === 'Base64URL' ? 'base64url' : 'base64';
  return new FederationError(
    'InvalidRemoteRef',
    `the value is not valid ${alphabet} (decodingStrategy ${strategy})`,
  );
}

/**
 * Applies an ExternalSecret `decodingStrategy` to a value read from a backend.
 *
 * - `None` (default): the value as it is.
 * - `Base64` / `Base64URL`: decoded as UTF-8 text; invalid input is `InvalidRemoteRef`.
 * - `Auto`: standard base64, else URL-safe base64, else the value as it is.
 */
export function decodeValue(value: string, strategy: DecodingStrategy = 'None'): string {
  switch (strategy) {
    case 'None':
      return value;
    case 'Base64':
    case 'Base64URL': {
      const decoded = decodeBase64Strict(value, strategy === 'Base64' ? 'base64' : 'base64url');
      if (decoded === undefined) {
        throw invalidEncoding(strategy);
      }
      return decoded;
    }
    case 'Auto':
      return decodeBase64Strict(value, 'base64') ?? decodeBase64Strict(value, 'base64url') ?? value;
    default:
      throw new FederationError(
        'InvalidRemoteRef',
        `decodingStrategy must be one of None, Base64, Base64URL, Auto`,
      );
  }
}
