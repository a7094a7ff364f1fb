import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
} from 'yaml';
import { flowNestingDepth, maxFlowNestingDepth } from './nesting-depth.js';
import type { Problem } from './problem.js';
import { formatPath } from './problem.js';
import { quoteList } from './suggest.js';
import type { DocumentSource, SourceLocation } from './validate-document.js';

/** One manifest found in a file, with what is needed to point at it. */
export interface ManifestObject {
  /** Usually an object; anything else is reported by `validateDocument`. */
  value: unknown;
  source: DocumentSource;
}

/** Every manifest of a file, and the problems that kept others from being read. */
export interface ParsedManifests {
  objects: ManifestObject[];
  problems: Problem[];
  warnings: Problem[];
}

const syntaxMessages: Record<string, string> = {
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in an object',
  TAB_AS_INDENT: 'a tab cannot indent YAML; indent with spaces',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the node at `path` in a parsed document; the nearest enclosing node if it is absent. */
function locator(document: Document, lines: LineCounter): DocumentSource['locate'] {
  return (path, isKey) => {
    let node: unknown = document.contents;
    let offset = (document.contents as { range?: [number] } | null)?.range?.[0];
    for (const [index, segment] of path.entries()) {
      const isLast = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!isPair(pair)) break;
        const keyOffset = (pair.key as { range?: [number] } | null)?.range?.[0];
        const valueOffset = (pair.value as { range?: [number] } | null)?.range?.[0];
        offset = isLast && isKey ? keyOffset : (valueOffset ?? keyOffset);
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as { range?: [number] } | undefined;
        if (item?.range === undefined) break;
        offset = item.range[0];
        node = item;
      } else {
        break;
      }
    }
    if (offset === undefined) return undefined;
    const position = lines.linePos(offset);
    return { line: position.line, column: position.col } satisfies SourceLocation;
  };
}

const listFields = ['apiVersion', 'kind', 'items', 'metadata'];

function listProblem(source: DocumentSource, path: PropertyKey[], message: string): Problem {
  const location = source.locate?.(path, path.length > 0);
  return {
    file: source.file,
    documentIndex: source.documentIndex,
    kind: 'List',
    path: formatPath(path),
    message,
    ...location,
  };
}

/** A document holding a list of manifests, or a `kind: List`, becomes its items. */
function expandList(value: unknown, source: DocumentSource, problems: Problem[]): ManifestObject[] {
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) => ({
      value: item,
      source: { ...source, path: [index] },
    }));
  }
  if (!isObject(value) || value.kind !== 'List') return [{ value, source }];

  for (const key of Object.keys(value).filter((key) => !listFields.includes(key))) {
    problems.push(
      listProblem(
        source,
        [key],
        `unknown field \`${key}\` of a List; expected ${quoteList(listFields)}`,
      ),
    );
  }
  if (!Array.isArray(value.items)) {
    problems.push(listProblem(source, ['items'], 'a List needs `items`, a list of manifests'));
    return [];
  }
  return value.items.map((item: unknown, index: number) => ({
    value: item,
    source: { ...source, path: ['items', index] },
  }));
}

/**
 * Reads every manifest in a YAML or JSON text: `---`-separated documents (empty ones are
 * skipped), a top-level list of manifests, or a `kind: List` with `items`. A document with
 * a syntax error is reported with its line and column and skipped; the others still count.
 */
export function parseManifests(file: string, text: string): ParsedManifests {
  if (flowNestingDepth(text) > maxFlowNestingDepth) {
    const message = `nested deeper than ${maxFlowNestingDepth} levels of [ ] or { }; not parsed`;
    return { objects: [], problems: [{ file, path: '', message }], warnings: [] };
  }
  const lines = new LineCounter();
  const documents = Array.from(
    parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, merge: true }),
  );
  const result: ParsedManifests = { objects: [], problems: [], warnings: [] };

  for (const [index, document] of documents.entries()) {
    const documentIndex = index + 1;
    const located = (error: { code: string; message: string; pos: [number, number] }): Problem => {
      const position = lines.linePos(error.pos[0]);
      const message = syntaxMessages[error.code] ?? error.message.split('\n')[0] ?? error.code;
      return {
        file,
        documentIndex,
        path: '',
        message: `syntax error: ${message}`,
        line: position.line,
        column: position.col,
      };
    };
    result.warnings.push(...document.warnings.map(located));
    if (document.errors.length > 0) {
      result.problems.push(...document.errors.map(located));
      continue;
    }

    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.problems.push({
        file,
        documentIndex,
        path: '',
        message: `cannot read document: ${message}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    const source: DocumentSource = { file, documentIndex, locate: locator(document, lines) };
    result.objects.push(...expandList(value, source, result.problems));
  }
  return result;
}
