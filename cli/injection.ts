import { injectionError } from './exit-codes.js';
import { asText, parseJsonText, resolveKey } from './key-bag.js';
import type { FetchResults } from './key-bag.js';
import type { EnvInjection, FileInjection } from './specs.js';

/** One file to write and its content. */
export interface FileContent {
  readonly path: string;
  readonly content: string;
}

/**
 * The environment variable named after a key: upper-cased, every character outside
 * `[A-Z0-9_]` as `_`, and a `_` before a leading digit (`db-user` → `DB_USER`).
 */
export function variableNameOf(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Candidate {
  readonly value: string;
  readonly source: string;
}

/**
 * What `*` injects: a JSON-object secret gives one variable per member (non-string
 * members as JSON text), any other secret one variable named after it, and each
 * generator output key one variable. Two sources of one name are an injection error,
 * unless that name is in `overridden` (set by an explicit `ENV=key`), which `*` skips.
 */
export function everyVariable(
  results: FetchResults,
  overridden: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const candidates = new Map<string, Candidate>();
  const add = (key: string, value: string, source: string): void => {
    const name = variableNameOf(key);
    if (overridden.has(name)) return;
    if (name === '') {
      throw injectionError(`${source} has an empty key, which cannot name a variable`);
    }
    const earlier = candidates.get(name);
    if (earlier) {
      throw injectionError(
        `the variable ${name} would come from both ${earlier.source} and ${source}; ` +
          'name one with ENV=key instead of *',
      );
    }
    candidates.set(name, { value, source });
  };

  for (const [name, value] of results.secrets) {
    const parsed = parseJsonText(value);
    if (isJsonObject(parsed)) {
      for (const [member, memberValue] of Object.entries(parsed)) {
        add(member, asText(memberValue), `member '${member}' of secret '${name}'`);
      }
    } else {
      add(name, value, `secret '${name}'`);
    }
  }
  for (const [id, output] of results.generators) {
    for (const [key, value] of Object.entries(output)) {
      add(key, value, `key '${key}' of generator ${id}`);
    }
  }
  return new Map([...candidates].map(([name, candidate]) => [name, candidate.value]));
}

/**
 * The variables `--inject-on-env` asks for: those of `*` if given, then each `ENV=key`,
 * which overrides a `*` variable of the same name. Throws an injection error (exit 9)
 * for a missing key, a name clash or a value an environment cannot hold.
 */
export function environmentFor(results: FetchResults, spec: EnvInjection): Map<string, string> {
  const explicit = new Set(spec.mappings.map((mapping) => mapping.variable));
  const variables = spec.everything ? everyVariable(results, explicit) : new Map<string, string>();
  for (const mapping of spec.mappings) {
    variables.set(mapping.variable, resolveKey(results, mapping.key));
  }
  for (const [name, value] of variables) {
    // execve(2) takes NUL-terminated strings: such a value would be cut or refused.
    if (value.includes('\0')) {
      throw injectionError(`the value for ${name} holds a NUL character and cannot be set`);
    }
  }
  return variables;
}

/** The content of each `--inject-on-file`; throws an injection error for a missing key. */
export function filesFor(results: FetchResults, files: readonly FileInjection[]): FileContent[] {
  return files.map((file) => ({ path: file.path, content: resolveKey(results, file.key) }));
}
