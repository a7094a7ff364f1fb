/** A parsed `result.jsonPath`: the member names and array indexes to follow. */
export type JsonPath = (string | number)[];

// `.name`, `['name']`, `["name"]` or `[index]`, one at a time after the leading `$`.
const step = /\.([A-Za-z0-9_-]+)|\['([^'\\]*)'\]|\["([^"\\]*)"\]|\[(0|[1-9][0-9]*)\]/y;

/**
 * Parses the subset of JSONPath that selects one value: `$`, then any number of
 * `.name`, `['name']` and `[index]`. Wildcards, filters, slices and recursive descent are
 * refused with the returned message, since they may select several values.
 */
export function parseJsonPath(text: string): JsonPath | { error: string } {
  const refusal = {
    error:
      "jsonPath must select one value: `$` followed by `.name`, `['name']` or `[index]` " +
      'steps (wildcards, filters, slices and `..` are not supported)',
  };
  if (!text.startsWith('$')) return refusal;
  const path: JsonPath = [];
  let position = 1;
  while (position < text.length) {
    step.lastIndex = position;
    const match = step.exec(text);
    if (match === null) return refusal;
    const index = match[4];
    path.push(index === undefined ? (match[1] ?? match[2] ?? match[3] ?? '') : Number(index));
    position = step.lastIndex;
  }
  return path;
}

/** The value `path` leads to in `root`, or `{ found: false }`. */
export function followJsonPath(
  root: unknown,
  path: JsonPath,
): { found: true; value: unknown } | { found: false } {
  let node = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node) || segment >= node.length) return { found: false };
      node = node[segment];
    } else {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return { found: false };
      if (!Object.hasOwn(node, segment)) return { found: false };
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: node };
}
