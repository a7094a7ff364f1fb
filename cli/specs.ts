import { resolve } from 'node:path';

import { usageError } from './exit-codes.js';

/** A generator to run: `POST /generators/{namespace}/{kind}/{name}`. */
export interface GeneratorRef {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
}

/** One `ENV=key[.property]` of `--inject-on-env`. */
export interface EnvMapping {
  readonly variable: string;
  readonly key: string;
}

/** What `--inject-on-env` asks for: `*`, named variables, or both. */
export interface EnvInjection {
  /** `*` was given: every key becomes a variable. */
  readonly everything: boolean;
  readonly mappings: readonly EnvMapping[];
}

/** One `PATH=key[.property]` of `--inject-on-file`. */
export interface FileInjection {
  /** The path as given (relative paths are relative to the working directory). */
  readonly path: string;
  readonly key: string;
}

/** `namespace/kind/name`, as on the command line and in `get` output. */
export function generatorId(ref: GeneratorRef): string {
  return `${ref.namespace}/${ref.kind}/${ref.name}`;
}

/**
 * The items of a comma-separated, possibly repeated flag: trimmed, empty items dropped
 * (a webhook may write a trailing comma or an empty value).
 */
export function listItems(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .flatMap((item) => {
      const trimmed = item.trim();
      return trimmed === '' ? [] : [trimmed];
    });
}

/** Reads `namespace/kind/name`; each part non-empty. */
export function parseGeneratorRef(text: string, origin: string): GeneratorRef {
  const parts = text.split('/');
  const [namespace, kind, name] = parts;
  if (parts.length !== 3 || !namespace || !kind || !name) {
    throw usageError(`${origin}: '${text}' is not namespace/kind/name`);
  }
  return { namespace, kind, name };
}

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

function splitAssignment(text: string, origin: string, left: string): [string, string] {
  const equals = text.indexOf('=');
  const target = equals < 0 ? '' : text.slice(0, equals).trim();
  const key = equals < 0 ? '' : text.slice(equals + 1).trim();
  if (target === '' || key === '') {
    throw usageError(`${origin}: '${text}' is not ${left}=key or ${left}=key.property`);
  }
  return [target, key];
}

/** Reads the items of `--inject-on-env`: `*` or `ENV=key[.property]`; the split is at the first `=`. */
export function parseEnvInjection(items: readonly string[], origin: string): EnvInjection {
  let everything = false;
  const mappings: EnvMapping[] = [];
  const seen = new Set<string>();

  for (const item of items) {
    if (item === '*') {
      everything = true;
      continue;
    }
    const [variable, key] = splitAssignment(item, origin, 'ENV');
    if (!variableName.test(variable)) {
      throw usageError(`${origin}: '${variable}' is not a valid environment variable name`);
    }
    if (seen.has(variable)) {
      throw usageError(`${origin}: the variable ${variable} is set twice`);
    }
    seen.add(variable);
    mappings.push({ variable, key });
  }
  return { everything, mappings };
}

/** Reads the items of `--inject-on-file`: `PATH=key[.property]`; the split is at the first `=`. */
export function parseFileInjections(items: readonly string[], origin: string): FileInjection[] {
  const files: FileInjection[] = [];
  const seen = new Set<string>();

  for (const item of items) {
    const [path, key] = splitAssignment(item, origin, 'PATH');
    const absolute = resolve(path);
    if (seen.has(absolute)) {
      throw usageError(`${origin}: the file ${path} is written twice`);
    }
    seen.add(absolute);
    files.push({ path, key });
  }
  return files;
}
