import type { z } from 'zod';
import { defaultMessage, missingFieldMessage } from './issue-messages.js';
import { closestMatch } from './suggest.js';

/** A problem inside one value, before the file and document are attached. */
export interface FieldProblem {
  path: PropertyKey[];
  message: string;
  /** The path names a key that should not be there; its location is the key itself. */
  isKey?: boolean;
}

type UnknownKeyMessage = (key: string, allowed: readonly string[]) => string;
const unknownKeyMessages = new WeakMap<object, UnknownKeyMessage>();

/**
 * Gives the keys of one object schema their own "unknown" wording, e.g. "unknown provider
 * `vault`; supported providers: `fake`", instead of the generic unknown-field message.
 */
export function setUnknownKeyMessage<S extends z.ZodType>(
  schema: S,
  message: UnknownKeyMessage,
): S {
  unknownKeyMessages.set(schema, message);
  return schema;
}

// Our error map answers with this marker; a final issue that still carries it has no message
// of its own from the schema author, so the wording is built here from the issue's fields and
// zod's built-in English never reaches a user.
const unset = '\u0000unset';

interface KeyContext {
  allowed: string[];
  message?: UnknownKeyMessage;
}

/** Validates `value` with `schema`, turning every issue into a stable, readable message. */
export function checkWithSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { success: true; data: T } | { success: false; problems: FieldProblem[] } {
  // The error map sees the object schema that rejected a key; the finished issue does not.
  // Both share the same `keys` array, which links them without relying on paths.
  const keyContexts = new WeakMap<object, KeyContext>();
  const result = schema.safeParse(value, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } })?._zod?.def?.shape;
        keyContexts.set(issue.keys, {
          allowed: Object.keys(shape ?? {}),
          message: issue.inst === undefined ? undefined : unknownKeyMessages.get(issue.inst),
        });
      }
      return unset;
    },
  });
  if (result.success) return { success: true, data: result.data };

  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, [], keyContexts));
  return { success: false, problems: dropMissingFieldsExplainedByTypos(problems) };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
  keyContexts: WeakMap<object, KeyContext>,
): FieldProblem[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.message !== unset) {
    // The schema's author worded this one; keep it, pointing at the key when there is one.
    const key = issue.keys.length === 1 ? issue.keys : [];
    return [{ path: [...path, ...key], message: issue.message, isKey: key.length > 0 }];
  }
  if (issue.code === 'unrecognized_keys') {
    const context = keyContexts.get(issue.keys);
    const present = Object.keys((issue.input as object | undefined) ?? {});
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: unknownKeyText(key, context, present),
      isKey: true,
    }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that came closest: the one with the fewest complaints.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
    return closest.flatMap((inner) => describeIssue(inner, path, keyContexts));
  }
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    const label = issue.code === 'invalid_key' ? 'key' : 'element';
    return issue.issues.flatMap((inner) =>
      describeIssue(inner, [], keyContexts).map((problem) => ({
        path,
        message: `invalid ${label}: ${problem.message}`,
      })),
    );
  }
  const message = issue.message === unset ? defaultMessage(issue) : issue.message;
  return [{ path, message }];
}

function unknownKeyText(key: string, context: KeyContext | undefined, present: string[]): string {
  const allowed = context?.allowed ?? [];
  if (context?.message) return context.message(key, allowed);
  const candidates = allowed.filter((candidate) => !present.includes(candidate));
  const suggestion = closestMatch(key, candidates);
  const hint = suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
  return `unknown field \`${key}\`${hint}`;
}

// "unknown field `_spec`; did you mean `spec`?" already says that `spec` is missing.
function dropMissingFieldsExplainedByTypos(problems: FieldProblem[]): FieldProblem[] {
  const suggested = new Set<string>();
  for (const problem of problems) {
    const match = /did you mean `([^`]+)`\?$/.exec(problem.message);
    if (problem.isKey && match) {
      suggested.add(JSON.stringify([...problem.path.slice(0, -1).map(String), match[1]]));
    }
  }
  return problems.filter(
    (problem) =>
      problem.message !== missingFieldMessage ||
      !suggested.has(JSON.stringify(problem.path.map(String))),
  );
}
