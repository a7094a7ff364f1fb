/**
 * Static checks of Helm templates without Helm: what can be told from the text alone. No
 * template is executed; the checks read actions, references and the plain YAML between.
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

const opening = /^(if|range|with|define|block)\b/;

/** Problems with the nesting of if/range/with/define blocks and their `end`s. */
export function blockProblems(actions: readonly TemplateAction[]): string[] {
  const stack: TemplateAction[] = [];
  const problems: string[] = [];
  for (const action of actions) {
    if (action.text.startsWith('/*')) continue;
    if (opening.test(action.text)) stack.push(action);
    else if (/^end\b/.test(action.text)) {
      if (stack.pop() === undefined) problems.push(`line ${action.line}: end without a block`);
    } else if (/^else\b/.test(action.text) && stack.length === 0) {
      problems.push(`line ${action.line}: else outside a block`);
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: "${open.text}" is never ended`);
  return problems;
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

/** Names given to `include` and `define`. */
export function templateNames(actions: readonly TemplateAction[], verb: 'include' | 'define') {
  const pattern = new RegExp(`\\b${verb}\\s+"([^"]+)"`, 'g');
  return actions.flatMap((action) =>
    [...action.text.matchAll(pattern)].map((match) => match[1] ?? ''),
  );
}

function isOnlyAction(line: string): boolean {
  return line.startsWith('{{') && line.endsWith('}}') && line.indexOf('{{', 2) === -1;
}

/**
 * The template's YAML with its actions stood in for: a line that is only an action is
 * dropped, an action inside a line becomes the word `placeholder`. What is left must
 * still be YAML, which catches indentation and syntax mistakes in the static text.
 */
/** `line` with every action in it (quoted braces included) replaced by `replacement`. */
function replaceActions(line: string, replacement: string): string {
  let result = '';
  let position = 0;
  for (;;) {
    const open = line.indexOf('{{', position);
    const close = open === -1 ? -1 : actionEnd(line, open + 2);
    if (close === -1) return result + line.slice(position);
    result += line.slice(position, open) + replacement;
    position = close + 2;
  }
}

export function staticYaml(source: string): string {
  return source
    .split('\n')
    .filter((line) => !isOnlyAction(line.trim()))
    .map((line) => replaceActions(line, 'placeholder'))
    .join('\n');
}
