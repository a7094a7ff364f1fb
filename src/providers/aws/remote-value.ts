import { isUtf8 } from 'node:buffer';

import { FederationError } from '../../errors.js';
import { decodeValue } from '../decoding.js';
import { selectProperty } from '../property.js';
import type { RemoteRef } from '../provider.js';

/**
 * The text of a binary secret. Bytes that are UTF-8 are returned as that text, which is
 * what the External Secrets Operator writes into a Kubernetes Secret for them; any other
 * bytes cannot travel in a JSON string, so they are returned as standard base64.
 */
export function binaryText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? buffer.toString('utf8') : buffer.toString('base64');
}

/** Applies `property` (a JSON path) and `decodingStrategy` to a value read from AWS. */
export function finishValue(value: string, ref: RemoteRef): string {
  const selected = ref.property ? selectProperty(value, ref.property) : value;
  return decodeValue(selected, ref.decodingStrategy ?? 'None');
}

/**
 * The answer to `metadataPolicy: Fetch`: the resource's tags as a JSON object, or with
 * `property` the value of the tag of that name (as the External Secrets Operator does).
 */
export function tagsValue(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
  ref: RemoteRef,
): string {
  const byKey: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) byKey[tag.Key] = tag.Value ?? '';
  if (!ref.property) return decodeValue(JSON.stringify(byKey), ref.decodingStrategy ?? 'None');
  const value = Object.hasOwn(byKey, ref.property) ? byKey[ref.property] : undefined;
  if (value === undefined) {
    throw new FederationError('NotFound', undefined, 'no tag of that name');
  }
  return decodeValue(value, ref.decodingStrategy ?? 'None');
}

/** Prepends the store's `prefix` to a remote key. */
export function prefixedKey(key: string, prefix: string | undefined): string {
  return prefix ? `${prefix}${key}` : key;
}
