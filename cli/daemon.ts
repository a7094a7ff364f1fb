import { writeFileIfChanged } from './atomic-file.js';
import { CliError } from './exit-codes.js';
import { fetchAll, fetchSecrets, revokeGenerators } from './fetch-results.js';
import { filesFor } from './injection.js';
import type { FetchResults } from './key-bag.js';
import type { RunOptions } from './options.js';
import type { SignalSource } from './run-program.js';
import type { ClientEnvironment, ServerClient } from './server-client.js';
import type { GeneratorRef } from './specs.js';

/** What the daemon needs around it. */
export interface DaemonContext {
  readonly client: ServerClient;
  readonly environment: ClientEnvironment;
  readonly signals: SignalSource;
  /** Receives one line per failed refresh or revocation (never a value). */
  readonly report: (line: string) => void;
}

const stopSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

async function writeAll(
  options: RunOptions,
  results: FetchResults,
  context: DaemonContext,
): Promise<void> {
  for (const file of filesFor(results, options.files)) {
    const wrote = await writeFileIfChanged(file.path, file.content);
    if (wrote && options.connection?.isVerbose) context.report(`wrote ${file.path}`);
  }
}

async function start(
  options: RunOptions,
  context: DaemonContext,
  generated: GeneratorRef[],
): Promise<FetchResults> {
  try {
    const results = await fetchAll(context.client, options.fetch, generated);
    await writeAll(options, results, context);
    return results;
  } catch (error) {
    if (options.revokeOnExit) await revokeGenerators(context.client, generated, context.report);
    throw error;
  }
}

/**
 * One refresh: the store secrets again, with the generator outputs of the start (a
 * generator runs once: running it every interval would rotate its credentials). Every
 * key is resolved before any file is written; on any failure the files stay as they are.
 */
async function refresh(
  options: RunOptions,
  generators: FetchResults['generators'],
  context: DaemonContext,
  signal: AbortSignal,
): Promise<void> {
  try {
    const secrets = await fetchSecrets(context.client, options.fetch, signal);
    await writeAll(options, { secrets, generators }, context);
  } catch (error) {
    if (signal.aborted) return;
    const why = error instanceof CliError ? error.message : 'unexpected error';
    context.report(`refresh failed, keeping the last good files: ${why}`);
  }
}

/**
 * Daemon mode: fetch everything and write the files (a failure here ends the run with
 * its exit code, as in init mode), then refresh the store secrets every interval until
 * SIGTERM or SIGINT, after which the generators are revoked when asked. Resolves 0.
 */
export async function runDaemon(options: RunOptions, context: DaemonContext): Promise<number> {
  const generated: GeneratorRef[] = [];
  const { generators } = await start(options, context, generated);

  const stopping = new AbortController();
  const stop = (): void => stopping.abort();
  for (const signal of stopSignals) context.signals.on(signal, stop);
  try {
    for (;;) {
      await context.environment.sleep(options.refreshIntervalMs, stopping.signal);
      await refresh(options, generators, context, stopping.signal);
    }
  } catch (error) {
    if (!stopping.signal.aborted) throw error;
  } finally {
    for (const signal of stopSignals) context.signals.off(signal, stop);
  }

  if (options.revokeOnExit) await revokeGenerators(context.client, generated, context.report);
  return 0;
}
