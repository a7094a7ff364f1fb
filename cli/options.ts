import { parseDuration } from '../src/duration.js';
import type { CommandLine, GivenFlag } from './command-line.js';
import { usageError } from './exit-codes.js';
import type { RetryPolicy } from './retry-policy.js';
import { listItems, parseEnvInjection, parseFileInjections, parseGeneratorRef } from './specs.js';
import type { EnvInjection, FileInjection, GeneratorRef } from './specs.js';

/** How to reach and authenticate to the federation server. */
export interface ConnectionOptions {
  /** Base URL; request paths are appended to its path. */
  readonly serverUrl: URL;
  readonly tokenPath: string;
  readonly caCrtPath: string;
  /** The ca.crt path was given: a missing file is then an error, not "send none". */
  readonly isCaCrtExplicit: boolean;
  readonly serverCaPath: string | undefined;
  readonly retry: RetryPolicy;
  /** Milliseconds per attempt; default 10000. */
  readonly requestTimeoutMs: number;
  readonly isVerbose: boolean;
}

/** What to ask the server for. */
export interface FetchPlan {
  readonly store: string | undefined;
  /** Secret names in `store`, without duplicates, in the order given. */
  readonly secrets: readonly string[];
  readonly generators: readonly GeneratorRef[];
}

/** A program to run, with its arguments. */
export interface ProgramSpec {
  readonly file: string;
  readonly args: readonly string[];
}

interface CommonOptions {
  /** Absent only when nothing is fetched (init mode wrapping a program anyway). */
  readonly connection: ConnectionOptions | undefined;
  readonly fetch: FetchPlan;
  readonly env: EnvInjection;
}

/** Options of the run form: init or daemon mode. */
export interface RunOptions extends CommonOptions {
  readonly command: 'run';
  readonly mode: 'init' | 'daemon';
  readonly files: readonly FileInjection[];
  /** Milliseconds between daemon refreshes; default 60000. */
  readonly refreshIntervalMs: number;
  readonly program: ProgramSpec | undefined;
  readonly revokeOnExit: boolean;
}

/** Options of `esi-cli get`. */
export interface GetOptions extends CommonOptions {
  readonly command: 'get';
  readonly output: 'json' | 'dotenv' | 'env';
}

/** Validated options of either form. */
export type Options = RunOptions | GetOptions;

type Flags = CommandLine['flags'];

function text(flags: Flags, name: string): { value: string; origin: string } | undefined {
  const given: GivenFlag | undefined = flags.get(name);
  return given && typeof given.value === 'string'
    ? { value: given.value, origin: given.origin }
    : undefined;
}

function items(flags: Flags, name: string): string[] {
  const value = flags.get(name)?.value;
  return Array.isArray(value) ? listItems(value) : [];
}

function isOn(flags: Flags, name: string): boolean {
  return flags.get(name)?.value === true;
}

function duration(flags: Flags, name: string, minimumMs: number): number {
  const given = text(flags, name);
  if (!given) throw usageError(`--${name} is required`);
  let ms: number;
  try {
    ms = parseDuration(given.value);
  } catch {
    throw usageError(`${given.origin}: '${given.value}' is not a duration (e.g. 500ms, 30s, 5m)`);
  }
  if (ms < minimumMs) throw usageError(`${given.origin}: '${given.value}' is too short`);
  return ms;
}

function serverUrl(flags: Flags): URL | undefined {
  const given = text(flags, 'federated-server-url');
  if (!given) return undefined;
  let url: URL;
  try {
    url = new URL(given.value);
  } catch {
    throw usageError(`${given.origin}: '${given.value}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${given.origin}: use an http or https URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw usageError(`${given.origin}: the URL must not carry credentials, a query or a fragment`);
  }
  return url;
}

function retryPolicy(flags: Flags): RetryPolicy {
  const given = text(flags, 'retries');
  const retries = given && /^\d{1,3}$/.test(given.value.trim()) ? Number(given.value) : NaN;
  if (!given || !(retries <= 100)) {
    throw usageError(`${given?.origin ?? '--retries'}: give a whole number from 0 to 100`);
  }
  return {
    retries,
    initialDelayMs: duration(flags, 'retry-initial-delay', 0),
    maxDelayMs: duration(flags, 'retry-max-delay', 0),
  };
}

function fetchPlan(flags: Flags): FetchPlan {
  const store = text(flags, 'federated-store')?.value.trim() || undefined;
  const secrets = [...new Set(items(flags, 'external-secrets'))];
  const generatorOrigin = flags.get('federated-generators')?.origin ?? '--federated-generators';
  const byId = new Map<string, GeneratorRef>();
  for (const item of items(flags, 'federated-generators')) {
    byId.set(item, parseGeneratorRef(item, generatorOrigin));
  }

  if (secrets.length > 0 && store === undefined) {
    throw usageError('--external-secrets needs --federated-store');
  }
  return { store, secrets, generators: [...byId.values()] };
}

function connection(flags: Flags, plan: FetchPlan): ConnectionOptions | undefined {
  // Every value is checked, even when nothing is fetched: a typo never waits to matter.
  const url = serverUrl(flags);
  const retry = retryPolicy(flags);
  const requestTimeoutMs = duration(flags, 'request-timeout', 1);
  const isFetching = plan.secrets.length > 0 || plan.generators.length > 0;
  if (!isFetching) return undefined;
  if (!url) throw usageError('--federated-server-url is required to fetch');

  const caCrt = flags.get('federated-ca-crt');
  return {
    serverUrl: url,
    tokenPath: text(flags, 'federated-token')?.value ?? '',
    caCrtPath: text(flags, 'federated-ca-crt')?.value ?? '',
    isCaCrtExplicit: caCrt !== undefined && !caCrt.isDefault,
    serverCaPath: text(flags, 'federated-server-ca')?.value,
    retry,
    requestTimeoutMs,
    isVerbose: isOn(flags, 'verbose'),
  };
}

function common(flags: Flags): CommonOptions {
  const fetch = fetchPlan(flags);
  const envOrigin = flags.get('inject-on-env')?.origin ?? '--inject-on-env';
  return {
    connection: connection(flags, fetch),
    fetch,
    env: parseEnvInjection(items(flags, 'inject-on-env'), envOrigin),
  };
}

function program(line: CommandLine): ProgramSpec | undefined {
  const binary = text(line.flags, 'binary-path')?.value;
  const args = text(line.flags, 'args')?.value;

  if (binary !== undefined && line.program !== undefined) {
    throw usageError('give the program either with --binary-path or after --, not both');
  }
  if (args !== undefined && binary === undefined) {
    throw usageError('--args needs --binary-path');
  }
  if (binary !== undefined) {
    return { file: binary, args: args === undefined || args === '' ? [] : args.split(',') };
  }
  if (line.program === undefined) return undefined;

  const [file, ...rest] = line.program;
  if (file === undefined || file === '') throw usageError('-- must be followed by a program');
  return { file, args: rest };
}

function runOptions(line: CommandLine): RunOptions {
  const base = common(line.flags);
  const mode = text(line.flags, 'mode')?.value;
  if (mode !== 'init' && mode !== 'daemon') {
    throw usageError(`${line.flags.get('mode')?.origin ?? '--mode'}: use init or daemon`);
  }
  const fileOrigin = line.flags.get('inject-on-file')?.origin ?? '--inject-on-file';
  const options: RunOptions = {
    ...base,
    command: 'run',
    mode,
    files: parseFileInjections(items(line.flags, 'inject-on-file'), fileOrigin),
    refreshIntervalMs: duration(line.flags, 'daemon-refresh-interval', 1),
    program: program(line),
    revokeOnExit: isOn(line.flags, 'revoke-on-exit'),
  };
  checkMode(options);
  return options;
}

function checkMode(options: RunOptions): void {
  const injectsEnv = options.env.everything || options.env.mappings.length > 0;
  if (options.mode === 'daemon') {
    if (options.program) throw usageError('daemon mode runs no program: use init mode');
    if (injectsEnv) throw usageError('daemon mode cannot set environment variables');
    if (options.files.length === 0) throw usageError('daemon mode needs --inject-on-file');
    if (!options.connection) throw usageError('daemon mode needs something to fetch');
  } else if (!options.program) {
    if (!options.connection && options.files.length === 0) {
      throw usageError('nothing to do: name secrets or generators to fetch (see --help)');
    }
    if (injectsEnv) {
      throw usageError('--inject-on-env needs a program (after -- or with --binary-path)');
    }
    if (options.revokeOnExit) {
      throw usageError('--revoke-on-exit in init mode needs a program to wait for');
    }
  }
}

function getOptions(line: CommandLine): GetOptions {
  const base = common(line.flags);
  const output = text(line.flags, 'output');
  if (output?.value !== 'json' && output?.value !== 'dotenv' && output?.value !== 'env') {
    throw usageError(`${output?.origin ?? '--output'}: use json, dotenv or env`);
  }
  if (!base.connection) {
    throw usageError('nothing to fetch: give --external-secrets or --federated-generators');
  }
  return { ...base, command: 'get', output: output.value };
}

/** Checks the command line and turns it into options; throws a usage `CliError`. */
export function validateOptions(line: CommandLine): Options {
  return line.command === 'get' ? getOptions(line) : runOptions(line);
}
