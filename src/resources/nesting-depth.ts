/**
 * The deepest nesting of flow collections (`[...]`, `{...}`) in YAML or JSON text, not
 * counting brackets inside quoted strings or comments. The `yaml` parser recurses once per
 * level: a few hundred levels are fine, but around a thousand it runs out of stack, and on
 * Node 20 it has been seen to abort the whole process. So the loader measures first.
 */
export function flowNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let quote: '"' | "'" | undefined;
  let inComment = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inComment) {
      if (char === '\n') inComment = false;
    } else if (quote) {
      if (char === '\\' && quote === '"') index += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (index === 0 || /\s/.test(text[index - 1] ?? ''))) {
      inComment = true;
    } else if (char === '[' || char === '{') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if ((char === ']' || char === '}') && depth > 0) {
      depth -= 1;
    }
  }
  return deepest;
}

/** Deeper than any manifest needs, far below where the parser fails. */
export const maxFlowNestingDepth = 256;
