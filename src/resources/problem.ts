/**
 * A problem found in a manifest: where it is (file, document, field) and what is wrong.
 *
 * The same shape serves errors (the object is rejected) and warnings (the object is
 * accepted but probably not what the author meant, e.g. a reference to a missing store).
 */
export interface Problem {
  /** The file, as reached from the configuration directory, or another source name. */
  file: string;
  /**
   * 1-based position of the YAML document inside the file (the N-th `---` section, empty
   * ones counted). Absent for problems with the whole file, e.g. an unreadable file.
   */
  documentIndex?: number;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Field path such as `spec.allowedGenerators[0].name`; '' for the document itself. */
  path: string;
  message: string;
  /** 1-based line of the offending text, when the source text is known. */
  line?: number;
  /** 1-based column of the offending text, when the source text is known. */
  column?: number;
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a field path: `spec.subject.issuer`, `items[2].spec`, `data["tls.crt"]`.
 * Keys that are not plain identifiers are quoted so that dots inside them stay readable.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (typeof segment === 'string' && plainKey.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else {
      text += `[${JSON.stringify(String(segment))}]`;
    }
  }
  return text;
}

/** Joins two rendered paths, e.g. `items[0]` and `spec.url`. */
export function joinPaths(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

// A fixed locale, so that the order never depends on the machine it runs on.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

function compareText(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Orders problems by file, document, field path and message; returns a new array. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      (a.documentIndex ?? 0) - (b.documentIndex ?? 0) ||
      compareText(a.path, b.path) ||
      compareText(a.message, b.message),
  );
}

/** `Kind/name`, `Kind/name, namespace ns`, or just the kind when the name is unknown. */
function describeObject(problem: Problem): string {
  if (problem.kind === undefined) return '';
  const name = problem.name === undefined ? '' : `/${problem.name}`;
  const namespace = problem.namespace ? `, namespace ${problem.namespace}` : '';
  return ` (${problem.kind}${name}${namespace})`;
}

/**
 * One line per problem:
 * `FILE: document N (Kind/name): spec.url: must be an https URL`. When the line and column
 * are known they follow the file as `FILE:LINE:COLUMN:` (the compiler convention that
 * editors and terminals turn into links).
 */
export function formatProblem(problem: Problem): string {
  const where =
    problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column}`;
  const parts = [where];
  if (problem.documentIndex !== undefined) {
    parts.push(`document ${problem.documentIndex}${describeObject(problem)}`);
  }
  if (problem.path !== '') parts.push(problem.path);
  parts.push(problem.message);
  return parts.join(': ');
}

/** Sorts and formats problems, one line each. */
export function formatProblems(problems: readonly Problem[]): string[] {
  return sortProblems(problems).map(formatProblem);
}
