import { Command, CommanderError } from 'commander';

import { auditCommand } from './audit.js';
import { devCommand } from './dev.js';
import { explainCommand } from './explain.js';
import { serveCommand } from './serve.js';
import { validateCommand } from './validate.js';

const version = '0.1.0';

function program(): Command {
  return new Command('federation-server')
    .description('the hub that serves federated secrets to workloads of many client clusters')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addCommand(serveCommand())
    .addCommand(validateCommand())
    .addCommand(devCommand())
    .addCommand(explainCommand())
    .addCommand(auditCommand());
}

/** Runs the `federation-server` command line; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const root = program();
  for (const command of root.commands) command.exitOverride();
  try {
    await root.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}
