import { FederationError } from '../errors.js';

/** The decoded, NOT verified, parts of a compact JWS. Use only to choose keys and candidates. */
export interface UnverifiedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Larger tokens are refused before any decoding; projected tokens are around 1 KiB. */
const maxTokenLength = 16 * 1024;
const base64url = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes the header and payload of a compact JWS without checking its signature.
 * Throws `TokenMalformed` unless it has three base64url segments whose first two are JSON
 * objects.
 */
export function decodeUnverifiedToken(token: string): UnverifiedToken {
  if (token.length > maxTokenLength) throw malformed('the token is too long');

  const segments = token.split('.');
  if (segments.length !== 3) throw malformed('the token does not have three segments');
  const [header, payload, signature] = segments as [string, string, string];
  if (![header, payload, signature].every((segment) => base64url.test(segment))) {
    throw malformed('a token segment is not base64url');
  }

  return { header: decodeObject(header, 'header'), payload: decodeObject(payload, 'payload') };
}

/**
 * The `iss` of a token, read without verifying it: only for choosing which federations
 * may verify the token. Throws `TokenMalformed` when there is no string `iss`.
 */
export function peekIssuer(token: string): string {
  const { payload } = decodeUnverifiedToken(token);
  if (typeof payload.iss !== 'string' || payload.iss === '') {
    throw malformed('the token has no iss claim');
  }
  return payload.iss;
}

function decodeObject(segment: string, part: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw malformed(`the token ${part} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`the token ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function malformed(detail: string): FederationError {
  return new FederationError('TokenMalformed', undefined, detail);
}
