import { selectJsonProperty } from '../src/property-path.js';
import { injectionError } from './exit-codes.js';

/** Everything one run fetched. */
export interface FetchResults {
  /** Secret name → the string the server returned, in the order requested. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Generator `namespace/kind/name` → its output keys and values. */
  readonly generators: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Parses JSON text, `undefined` when it is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A string as it is; any other JSON value as JSON text. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Selects a member of the JSON held by `value` along a dotted path (array items by index),
 * with the same rules as the server's `remoteRef.property`. `undefined` when the value is
 * not JSON, the path is malformed or it leads nowhere.
 */
export function selectProperty(value: string, path: string): string | undefined {
  const result = selectJsonProperty(value, path);
  return typeof result === 'string' ? undefined : result.text;
}

/** The longest of `names` that equals `key` or prefixes it followed by a dot. */
function longestMatch(names: Iterable<string>, key: string): string | undefined {
  let best: string | undefined;
  for (const name of names) {
    const matches = key === name || key.startsWith(`${name}.`);
    if (matches && (best === undefined || name.length > best.length)) best = name;
  }
  return best;
}

function propertyOf(key: string, name: string): string | undefined {
  return key === name ? undefined : key.slice(name.length + 1);
}

function fromSecret(results: FetchResults, key: string, name: string): string {
  const value = results.secrets.get(name) ?? '';
  const property = propertyOf(key, name);
  if (property === undefined) return value;
  const selected = selectProperty(value, property);
  if (selected === undefined) {
    throw injectionError(`key '${key}' is missing: secret '${name}' has no property '${property}'`);
  }
  return selected;
}

function fromGenerators(results: FetchResults, key: string): string | undefined {
  const outputKeys = [...results.generators.values()].flatMap((output) => Object.keys(output));
  const name = longestMatch(outputKeys, key);
  if (name === undefined) return undefined;

  const owners = [...results.generators].filter(([, output]) => Object.hasOwn(output, name));
  if (owners.length > 1) {
    const ids = owners.map(([id]) => id).join(' and ');
    throw injectionError(`key '${name}' is ambiguous: generators ${ids} both output it`);
  }
  const value = owners[0]?.[1][name] ?? '';
  const property = propertyOf(key, name);
  if (property === undefined) return value;
  const selected = selectProperty(value, property);
  if (selected === undefined) {
    throw injectionError(`key '${key}' is missing: '${name}' has no property '${property}'`);
  }
  return selected;
}

/**
 * The value of `key` (`name` or `name.property`) among the fetched results: a secret
 * name first (the longest one that matches, so names holding dots work), then a
 * generator output key. Throws an injection error naming the key, never a value.
 */
export function resolveKey(results: FetchResults, key: string): string {
  const secret = longestMatch(results.secrets.keys(), key);
  if (secret !== undefined) return fromSecret(results, key, secret);

  const generated = fromGenerators(results, key);
  if (generated !== undefined) return generated;
  throw injectionError(`key '${key}' is missing from the fetched secrets and generator outputs`);
}
