import { environmentFor } from './injection.js';
import type { FetchResults } from './key-bag.js';
import type { EnvInjection } from './specs.js';

/** The `get` output formats. */
export type OutputFormat = 'json' | 'dotenv' | 'env';

/**
 * A double-quoted dotenv value: backslash, double quote and dollar (which dotenv loaders
 * expand) escaped with a backslash, line breaks as `\n` and `\r`, so one variable stays
 * on one line.
 */
export function dotenvQuote(value: string): string {
  const escaped = value.replace(/[\\"$\n\r]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    return `\\${char}`;
  });
  return `"${escaped}"`;
}

/**
 * A single-quoted POSIX shell word: nothing inside single quotes is special, not even a
 * backslash, `$` or a line break; a single quote itself ends the quote, is escaped, and
 * opens a new one.
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function renderJson(results: FetchResults): string {
  const document = {
    secrets: Object.fromEntries(results.secrets),
    generators: Object.fromEntries(results.generators),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Renders what `get` prints. json: `{"secrets": {name: value}, "generators": {"ns/kind/name":
 * {key: value}}}`; dotenv (`KEY="value"`) and env (`export KEY='value'`) hold the variables
 * of the `--inject-on-env` specs, or of `*` when none were given.
 */
export function renderResults(
  results: FetchResults,
  format: OutputFormat,
  env: EnvInjection,
): string {
  if (format === 'json') return renderJson(results);

  const isEmpty = !env.everything && env.mappings.length === 0;
  const variables = environmentFor(results, isEmpty ? { everything: true, mappings: [] } : env);
  const lines = [...variables].map(([name, value]) =>
    format === 'dotenv' ? `${name}=${dotenvQuote(value)}` : `export ${name}=${shellQuote(value)}`,
  );
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
