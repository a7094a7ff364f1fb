import { missingFieldMessage, typeOfValue } from './issue-messages.js';
import { formatPath, type Problem } from './problem.js';
import type { Resource, ResourceRef } from './resource.js';
import { findResourceKind, resourceKinds } from './resource-kinds.js';
import { closestMatch, quoteList } from './suggest.js';
import { checkWithSchema, type FieldProblem } from './zod-issues.js';

/** A 1-based position in the source text. */
export interface SourceLocation {
  line: number;
  column: number;
}

/** Where a manifest comes from, so that its problems can point at it. */
export interface DocumentSource {
  /** The file, or another source name (e.g. `kubernetes` for a watched object). */
  file: string;
  /** 1-based document inside the file. */
  documentIndex?: number;
  /** Path of the object inside its document, e.g. `['items', 2]` for a `kind: List`. */
  path?: readonly PropertyKey[];
  /** Finds a field (or, with `isKey`, its key) in the document, by path from its root. */
  locate?: (path: readonly PropertyKey[], isKey: boolean) => SourceLocation | undefined;
}

/** The outcome for one manifest: a resource when it is valid, problems when it is not. */
export interface DocumentResult {
  resource?: Resource;
  problems: Problem[];
  warnings: Problem[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function kindProblems(apiVersion: unknown, kind: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, value] of [
    ['apiVersion', apiVersion],
    ['kind', kind],
  ] as const) {
    if (value === undefined) problems.push({ path: [field], message: missingFieldMessage });
    else if (typeof value !== 'string') {
      problems.push({ path: [field], message: `expected string, got ${typeOfValue(value)}` });
    }
  }
  if (problems.length > 0 || typeof kind !== 'string') return problems;

  const definition = findResourceKind(kind);
  if (definition === undefined) {
    const kinds = resourceKinds().map((candidate) => candidate.kind);
    const suggestion = closestMatch(kind, kinds);
    const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
    const message = `unsupported kind \`${kind}\`; supported kinds: ${quoteList(kinds)}${hint}`;
    return [{ path: ['kind'], message }];
  }
  if (!definition.apiVersions.includes(String(apiVersion))) {
    const message =
      `\`${String(apiVersion)}\` is not an apiVersion of ${kind}; ` +
      `expected ${definition.apiVersions.map((version) => `\`${version}\``).join(' or ')}`;
    return [{ path: ['apiVersion'], message }];
  }
  return [];
}

function scopeProblems(document: Record<string, unknown>, kind: string): FieldProblem[] {
  const metadata = document.metadata;
  const definition = findResourceKind(kind);
  if (!isObject(metadata) || definition === undefined) return [];
  const path = ['metadata', 'namespace'];
  if (definition.namespaced && metadata.namespace === undefined) {
    return [{ path, message: missingFieldMessage }];
  }
  if (!definition.namespaced && metadata.namespace !== undefined) {
    return [{ path, message: `must not be set: ${kind} is cluster-scoped`, isKey: true }];
  }
  return [];
}

/**
 * Validates one manifest and normalises it into a resource. Pure: the same input always
 * gives the same answer, so the config directory and the Kubernetes watch share it.
 */
export function validateDocument(document: unknown, source: DocumentSource): DocumentResult {
  const metadata = isObject(document) && isObject(document.metadata) ? document.metadata : {};
  const identity = {
    kind: isObject(document) ? text(document.kind) : undefined,
    namespace: text(metadata.namespace),
    name: text(metadata.name),
  };
  const report = (problems: FieldProblem[]): Problem[] =>
    problems.map((problem) => toProblem(problem, source, identity));

  if (!isObject(document)) {
    const message = `expected object with apiVersion, kind, metadata and spec, got ${typeOfValue(document)}`;
    return { problems: report([{ path: [], message }]), warnings: [] };
  }
  const kindIssues = kindProblems(document.apiVersion, document.kind);
  if (kindIssues.length > 0) return { problems: report(kindIssues), warnings: [] };

  const kind = String(document.kind);
  const definition = findResourceKind(kind);
  if (definition === undefined) return { problems: [], warnings: [] };
  const checked = checkWithSchema(definition.schema, document);
  const problems = [...(checked.success ? [] : checked.problems), ...scopeProblems(document, kind)];
  if (!checked.success || problems.length > 0) return { problems: report(problems), warnings: [] };

  const ref: ResourceRef = {
    apiVersion: String(document.apiVersion),
    kind,
    namespace: identity.namespace ?? '',
    name: identity.name ?? '',
    origin: {
      file: source.file,
      documentIndex: source.documentIndex,
      path: formatPath(source.path ?? []),
      line: source.locate?.(source.path ?? [], false)?.line,
    },
  };
  const result = definition.toResource(checked.data, ref);
  if ('problems' in result) return { problems: report(result.problems), warnings: [] };
  return { resource: result.resource, problems: [], warnings: report(result.warnings ?? []) };
}

function toProblem(
  problem: FieldProblem,
  source: DocumentSource,
  identity: { kind?: string; namespace?: string; name?: string },
): Problem {
  const fullPath = [...(source.path ?? []), ...problem.path];
  const result: Problem = {
    file: source.file,
    path: formatPath(fullPath),
    message: problem.message,
  };
  if (source.documentIndex !== undefined) result.documentIndex = source.documentIndex;
  if (identity.kind !== undefined) result.kind = identity.kind;
  if (identity.namespace !== undefined) result.namespace = identity.namespace;
  if (identity.name !== undefined) result.name = identity.name;
  const location = source.locate?.(fullPath, problem.isKey === true);
  if (location !== undefined) Object.assign(result, location);
  return result;
}
