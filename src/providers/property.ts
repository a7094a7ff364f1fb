import { FederationError } from '../errors.js';

/**
 * Splits a `remoteRef.property` into path segments. Dots separate segments; a backslash
 * makes the next character literal, so `a\.b` names the key `a.b` and `a\\b` the key `a\b`.
 * An empty segment or a trailing backslash is `InvalidRemoteRef`.
 */
export function parsePropertyPath(property: string): string[] {
  const segments: string[] = [];
  let current = '';

  for (let index = 0; index < property.length; index += 1) {
    const char = property[index];
    if (char === '\\') {
      index += 1;
      if (index >= property.length) {
        throw new FederationError('InvalidRemoteRef', 'property ends with a lone backslash');
      }
      current += property[index];
    } else if (char === '.') {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);

  if (segments.some((segment) => segment === '')) {
    throw new FederationError('InvalidRemoteRef', 'property has an empty path segment');
  }
  return segments;
}

const arrayIndex = /^(0|[1-9][0-9]*)$/;

function childOf(node: unknown, segment: string): { found: boolean; value?: unknown } {
  if (Array.isArray(node)) {
    const position = arrayIndex.test(segment) ? Number(segment) : -1;
    return position >= 0 && position < node.length
      ? { found: true, value: node[position] }
      : { found: false };
  }
  if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
    return { found: true, value: (node as Record<string, unknown>)[segment] };
  }
  return { found: false };
}

function propertyNotFound(): FederationError {
  // Same message as a missing key: a caller must not learn which part was missing.
  return new FederationError('NotFound', undefined, 'property not found in the value');
}

/**
 * Selects `property` from a value holding JSON. A string result is returned as it is;
 * any other result (number, boolean, null, object, array) as JSON text.
 *
 * A value that is not JSON, or a path that does not exist in it, is `NotFound`
 * (the External Secrets Operator treats both as a missing key).
 */
export function selectProperty(value: string, property: string): string {
  const segments = parsePropertyPath(property);

  let node: unknown;
  try {
    node = JSON.parse(value);
  } catch {
    throw propertyNotFound();
  }

  for (const segment of segments) {
    const child = childOf(node, segment);
    if (!child.found) {
      throw propertyNotFound();
    }
    node = child.value;
  }
  return typeof node === 'string' ? node : JSON.stringify(node);
}
