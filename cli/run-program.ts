import { spawn } from 'node:child_process';
import { constants } from 'node:os';

import { CliError, exitCodes } from './exit-codes.js';
import type { ProgramSpec } from './options.js';

/** How the program ended. */
export interface ProgramExit {
  /** Its exit code, or 128 + the signal number when a signal ended it (as a shell says). */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal?: NodeJS.Signals;
}

/** Where signals come from: `process`, or an emitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Signals passed on to the program. Node cannot replace itself with the program (no
 * execve), so esi-cli stays as its parent and relays what a pod or a terminal sends.
 */
export const forwardedSignals: readonly NodeJS.Signals[] = [
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
];

function startFailure(file: string, error: unknown): CliError {
  const code = (error as { code?: unknown } | null)?.code;
  const why =
    code === 'ENOENT'
      ? 'not found'
      : code === 'EACCES'
        ? 'permission denied (is it executable?)'
        : String(code ?? (error instanceof Error ? error.message : error));
  return new CliError(exitCodes.programStart, `cannot start the program ${file}: ${why}`);
}

/** The exit of a process that ended with `code` or was killed by `signal`. */
export function programExit(code: number | null, signal: NodeJS.Signals | null): ProgramExit {
  if (signal) return { code: 128 + (constants.signals[signal] ?? 0), signal };
  return { code: code ?? 1 };
}

/** What to do around the program's life. */
export interface RunProgramOptions {
  readonly signals?: SignalSource;
  /**
   * Runs after the program ended and before its exit is returned (revocation), while
   * signals are still caught: a second SIGTERM does not cut it short.
   */
  readonly afterExit?: (exit: ProgramExit) => Promise<void>;
}

/**
 * Starts `program` with the standard streams of esi-cli and `env`, relays the forwarded
 * signals to it, and resolves with how it ended. Rejects with exit code 10 when it
 * cannot be started.
 */
export async function runProgram(
  program: ProgramSpec,
  env: NodeJS.ProcessEnv,
  options: RunProgramOptions = {},
): Promise<ProgramExit> {
  const signals = options.signals ?? process;
  const child = spawn(program.file, [...program.args], { stdio: 'inherit', env });
  const relays = forwardedSignals.map((signal) => {
    const relay = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    signals.on(signal, relay);
    return { signal, relay };
  });

  try {
    const exit = await new Promise<ProgramExit>((resolve, reject) => {
      child.on('error', (error) => {
        if (child.pid === undefined) reject(startFailure(program.file, error));
      });
      child.once('exit', (code, signal) => resolve(programExit(code, signal)));
    });
    await options.afterExit?.(exit);
    return exit;
  } finally {
    for (const { signal, relay } of relays) signals.off(signal, relay);
  }
}
