/**
 * Helm templates read as text, for what rendering cannot show: which values the actions
 * read. No template is executed.
 */

/** One `{{ ... }}` action, with its line number. */
export interface TemplateAction {
  text: string;
  line: number;
}

/**
 * Where the action that starts at `from` (just after its `{{`) ends: the index of its
 * `}}`, skipping quoted and raw strings (`{{ "{{" }}` prints braces). -1 when it never
 * ends, or when a `{{` opens inside it.
 */
function actionEnd(source: string, from: number): number {
  let quote: string | undefined;
  for (let index = from; index < source.length; index += 1) {
    const char = source[index];
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') index += 1;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === '`') quote = char;
    else if (source.startsWith('}}', index)) return index;
    else if (source.startsWith('{{', index)) return -1;
  }
  return -1;
}

/** Every action of a template; throws on an unclosed `{{` or a stray `}}`. */
export function templateActions(source: string): TemplateAction[] {
  const actions: TemplateAction[] = [];
  let position = 0;
  for (;;) {
    const open = source.indexOf('{{', position);
    const strayClose = source.indexOf('}}', position);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      throw new Error(`stray }} at line ${lineOf(source, strayClose)}`);
    }
    if (open === -1) return actions;
    const close = actionEnd(source, open + 2);
    if (close === -1) throw new Error(`unclosed {{ at line ${lineOf(source, open)}`);
    const text = source
      .slice(open + 2, close)
      .replace(/^-\s*/, '')
      .replace(/\s*-$/, '')
      .trim();
    actions.push({ text, line: lineOf(source, open) });
    position = close + 2;
  }
}

function lineOf(source: string, index: number): number {
  return source.slice(0, index).split('\n').length;
}

/** Every `.Values.a.b` path an action reads, as `a.b`. */
export function valuesReferences(actions: readonly TemplateAction[]): string[] {
  const paths = actions.flatMap((action) =>
    [...action.text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((match) =>
      (match[1] ?? '').slice(1),
    ),
  );
  return [...new Set(paths)];
}
