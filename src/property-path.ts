/**
 * Property paths into JSON values, as `remoteRef.property` and esi-cli's `KEY.PROPERTY`
 * use them. Pure functions with no dependencies: the bundled esi-cli imports this file.
 */

/** Why a path or a value did not lead anywhere. */
export type PropertyMiss = 'lone-backslash' | 'empty-segment' | 'not-json' | 'not-found';

/**
 * Splits a path at dots; a backslash makes the next character literal, so `a\.b` names the
 * key `a.b` and `a\\b` the key `a\b`.
 */
export function splitPropertyPath(path: string): string[] | PropertyMiss {
  const segments: string[] = [];
  let current = '';
  for (let index = 0; index < path.length; index += 1) {
    const char = path[index];
    if (char === '\\') {
      index += 1;
      if (index >= path.length) return 'lone-backslash';
      current += path[index];
    } else if (char === '.') {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments.includes('') ? 'empty-segment' : segments;
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

/**
 * Selects the member of the JSON text `value` that `path` names (array items by index). A
 * string result comes back as it is; any other JSON value as JSON text.
 */
export function selectJsonProperty(value: string, path: string): { text: string } | PropertyMiss {
  const segments = splitPropertyPath(path);
  if (typeof segments === 'string') return segments;
  let node: unknown;
  try {
    node = JSON.parse(value);
  } catch {
    return 'not-json';
  }
  for (const segment of segments) {
    const child = childOf(node, segment);
    if (!child.found) return 'not-found';
    node = child.value;
  }
  return { text: typeof node === 'string' ? node : JSON.stringify(node) };
}
