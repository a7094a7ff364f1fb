import { readCommandLine } from './command-line.js';
import { runDaemon } from './daemon.js';
import { CliError, exitCodes } from './exit-codes.js';
import { fetchAll } from './fetch-results.js';
import { renderResults } from './get-output.js';
import { runInit } from './init-mode.js';
import { validateOptions } from './options.js';
import type { GetOptions, Options } from './options.js';
import type { SignalSource } from './run-program.js';
import { createServerClient, systemEnvironment } from './server-client.js';
import type { ClientEnvironment, ServerClient } from './server-client.js';

/** How a run of esi-cli ended. */
export interface CliResult {
  /** The exit code: esi-cli's own, or the program's (128 + n when signal n killed it). */
  readonly code: number;
  /**
   * The signal that killed the program, if one did: the caller should end itself with
   * the same signal, so that whoever waits for esi-cli sees what happened to the program.
   */
  readonly signal?: NodeJS.Signals;
}

/** The outside world of one run; `process` by default, replaced in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly signals: SignalSource;
  /** Clock, randomness and waiting of the HTTP client and the daemon. */
  readonly environment?: Omit<ClientEnvironment, 'log'>;
}

/** The real process. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signals: process,
};

async function runGet(options: GetOptions, client: ServerClient, io: CliIo): Promise<CliResult> {
  const results = await fetchAll(client, options.fetch, []);
  io.stdout(renderResults(results, options.output, options.env));
  return { code: exitCodes.success };
}

async function runOptions(options: Options, io: CliIo): Promise<CliResult> {
  const report = (line: string): void => io.stderr(`esi-cli: ${line}\n`);
  const environment: ClientEnvironment = {
    ...(io.environment ?? systemEnvironment),
    log: report,
  };
  const client = options.connection
    ? await createServerClient(options.connection, environment)
    : undefined;

  try {
    if (options.command === 'get') {
      // A get form always fetches something, so validation gave it a connection.
      return await runGet(options, client as ServerClient, io);
    }
    if (options.mode === 'daemon') {
      const context = { client: client as ServerClient, environment, signals: io.signals, report };
      return { code: await runDaemon(options, context) };
    }
    return await runInit(options, { client, signals: io.signals, env: io.env, report });
  } finally {
    client?.close();
  }
}

/**
 * Runs esi-cli with `argv` (as `process.argv`) and resolves with how it ended; never
 * rejects and never exits the process. Failures are one line on stderr: expected ones
 * with their exit code (2–10), anything else as an internal error (1).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<CliResult> {
  try {
    const line = readCommandLine(argv, io.env, { write: io.stdout });
    if (!line) return { code: exitCodes.success };
    return await runOptions(validateOptions(line), io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`esi-cli: ${error.message}\n`);
      return { code: error.code };
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`esi-cli: internal error: ${message.split('\n')[0] ?? ''}\n`);
    return { code: exitCodes.internal };
  }
}

/** Runs esi-cli and resolves with the exit code only (see `runCli` for the signal). */
export async function main(argv: readonly string[]): Promise<number> {
  return (await runCli(argv)).code;
}
