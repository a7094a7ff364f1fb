import { Command, CommanderError, Option } from 'commander';

import { usageError } from './exit-codes.js';
import { envVarOf, flagsOf } from './flags.js';
import type { CommandName, FlagDefinition } from './flags.js';
import { helpTextAfter } from './help-text.js';

/** The value of one flag before validation, and where it came from (for messages). */
export interface GivenFlag {
  /** A string, the strings of a repeatable flag, or a switch. */
  readonly value: string | readonly string[] | boolean;
  /** `--retries`, `ESI_RETRIES` or `--retries (default)`. */
  readonly origin: string;
  /** Neither the flag nor its variable was given. */
  readonly isDefault: boolean;
}

/** What the command line asks for, flags not validated yet. */
export interface CommandLine {
  readonly command: CommandName;
  /** Every flag given on the command line, by its environment variable, or defaulted. */
  readonly flags: ReadonlyMap<string, GivenFlag>;
  /** Everything after `--`, when present. */
  readonly program: readonly string[] | undefined;
}

/** Where commander writes the help. */
export interface HelpOutput {
  write(text: string): void;
}

const version = '0.1.0';

function describe(flag: FlagDefinition): string {
  const notes = [`env: ${envVarOf(flag.name)}`];
  if (flag.defaultValue !== undefined) notes.push(`default: ${flag.defaultValue}`);
  return `${flag.description} (${notes.join(', ')})`;
}

function collect(value: string, previous: unknown): string[] {
  return [...(Array.isArray(previous) ? (previous as string[]) : []), value];
}

function buildCommand(command: CommandName, help: HelpOutput): Command {
  const program = new Command(command === 'get' ? 'esi-cli get' : 'esi-cli')
    .usage(command === 'get' ? '[flags]' : '[flags] [-- program [args...]]')
    .description(
      command === 'get'
        ? 'Fetch secrets and generated values and print them (never runs a program).'
        : 'Fetch federated secrets and generated credentials, then hand them to a program.',
    )
    .argument('[operands...]')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => help.write(text),
      writeErr: (text) => help.write(text),
      // Errors become one line of ours; commander must not print its own.
      outputError: () => undefined,
    })
    .addHelpText('after', helpTextAfter(command));

  for (const flag of flagsOf(command)) {
    const spec = flag.placeholder ? `--${flag.name} <${flag.placeholder}>` : `--${flag.name}`;
    const option = new Option(spec, describe(flag));
    if (flag.repeatable) option.argParser(collect);
    program.addOption(option);
  }
  if (command === 'run') program.version(version, '--version', 'print the version');
  return program;
}

/** The names of the flags that take a value, as they appear on the command line. */
function valueFlags(command: CommandName): Set<string> {
  return new Set(flagsOf(command).flatMap((flag) => (flag.placeholder ? [`--${flag.name}`] : [])));
}

/**
 * Splits the arguments at the first `--` that is not the value of a flag: what follows is
 * the program and its arguments, passed on untouched.
 */
export function splitAtProgram(
  args: readonly string[],
  command: CommandName,
): { flags: string[]; program: string[] | undefined } {
  const takesValue = valueFlags(command);
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '--') {
      return { flags: args.slice(0, index), program: args.slice(index + 1) };
    }
    if (takesValue.has(arg)) index += 1;
  }
  return { flags: [...args], program: undefined };
}

function parseSwitch(text: string, origin: string): boolean {
  const normalized = text.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(normalized)) return true;
  if (['0', 'false', 'no'].includes(normalized)) return false;
  throw usageError(`${origin} must be true or false, not '${text}'`);
}

function valueFromEnv(flag: FlagDefinition, text: string, origin: string): GivenFlag['value'] {
  if (!flag.placeholder) return parseSwitch(text, origin);
  return flag.repeatable ? [text] : text;
}

function gatherFlags(
  parsed: Command,
  command: CommandName,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, GivenFlag> {
  const flags = new Map<string, GivenFlag>();
  for (const flag of flagsOf(command)) {
    const fromCli = parsed.getOptionValue(new Option(`--${flag.name}`).attributeName()) as
      GivenFlag['value'] | undefined;
    const envVar = envVarOf(flag.name);
    const fromEnv = env[envVar];

    // The flag wins over its variable; an empty variable counts as unset.
    if (fromCli !== undefined) {
      flags.set(flag.name, { value: fromCli, origin: `--${flag.name}`, isDefault: false });
    } else if (fromEnv !== undefined && fromEnv !== '') {
      const value = valueFromEnv(flag, fromEnv, envVar);
      flags.set(flag.name, { value, origin: envVar, isDefault: false });
    } else if (flag.defaultValue !== undefined) {
      const value = flag.repeatable ? [flag.defaultValue] : flag.defaultValue;
      flags.set(flag.name, { value, origin: `--${flag.name} (default)`, isDefault: true });
    }
  }
  return flags;
}

function commanderMessage(error: CommanderError): string {
  return error.message.replace(/^error: /, '');
}

/**
 * Reads esi-cli's command line (`argv` as `process.argv`) and the `ESI_` variables.
 * Resolves to `undefined` when the help or the version was printed. Throws a usage
 * `CliError` for an unknown flag, a missing value or a stray argument.
 */
export function readCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  help: HelpOutput,
): CommandLine | undefined {
  const args = argv.slice(2);
  const command: CommandName = args[0] === 'get' ? 'get' : 'run';
  const { flags, program } = splitAtProgram(command === 'get' ? args.slice(1) : args, command);
  const parser = buildCommand(command, help);

  try {
    parser.parse(flags, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return undefined;
      throw usageError(commanderMessage(error));
    }
    throw error;
  }

  const stray = parser.args[0];
  if (stray === 'get' && command === 'run') {
    throw usageError('get must come first: esi-cli get [flags]');
  }
  if (stray !== undefined) {
    throw usageError(
      command === 'get'
        ? `unexpected argument '${stray}'`
        : `unexpected argument '${stray}': give the program after -- or with --binary-path`,
    );
  }
  if (command === 'get' && program !== undefined) {
    throw usageError('get never runs a program: remove -- and what follows');
  }
  return { command, flags: gatherFlags(parser, command, env), program };
}
