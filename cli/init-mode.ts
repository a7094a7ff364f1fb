import { writeFileAtomically } from './atomic-file.js';
import { emptyResults, fetchAll, revokeGenerators } from './fetch-results.js';
import { environmentFor, filesFor } from './injection.js';
import type { RunOptions } from './options.js';
import { runProgram } from './run-program.js';
import type { ProgramExit, SignalSource } from './run-program.js';
import type { ServerClient } from './server-client.js';
import type { GeneratorRef } from './specs.js';

/** What init mode needs around it. */
export interface InitContext {
  /** Absent when nothing is to be fetched. */
  readonly client: ServerClient | undefined;
  readonly signals: SignalSource;
  /** The environment the program inherits, before the injected variables. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives one line per failed revocation. */
  readonly report: (line: string) => void;
}

async function prepare(
  options: RunOptions,
  client: ServerClient | undefined,
  generated: GeneratorRef[],
): Promise<Map<string, string>> {
  const results = client ? await fetchAll(client, options.fetch, generated) : emptyResults;

  // Everything is resolved before anything is written or started: a missing key stops
  // the run with nothing half done.
  const variables = options.program ? environmentFor(results, options.env) : new Map();
  const files = filesFor(results, options.files);
  for (const file of files) await writeFileAtomically(file.path, file.content);
  return variables;
}

/**
 * Init mode: fetch the secrets, then the generators; write the files; then run the
 * program with the injected variables and resolve with its exit. Without a program,
 * resolves `{ code: 0 }` once the files are written. With `--revoke-on-exit`, the
 * generators are revoked after the program ends, or at once when the run fails before.
 */
export async function runInit(options: RunOptions, context: InitContext): Promise<ProgramExit> {
  const { client } = context;
  const generated: GeneratorRef[] = [];
  const revoke = async (): Promise<void> => {
    if (client && options.revokeOnExit) {
      await revokeGenerators(client, generated, context.report);
    }
  };

  let variables: Map<string, string>;
  try {
    variables = await prepare(options, client, generated);
  } catch (error) {
    await revoke();
    throw error;
  }
  if (!options.program) return { code: 0 };

  const env = { ...context.env, ...Object.fromEntries(variables) };
  try {
    return await runProgram(options.program, env, { signals: context.signals, afterExit: revoke });
  } catch (error) {
    await revoke();
    throw error;
  }
}
