import { Command } from 'commander';

import { formatProblem, loadConfigDir } from '../resources/index.js';

/** `validate`: exit 0 when every manifest is valid, else 1 with one line per problem. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check every manifest of a config dir without starting anything')
    .requiredOption('--config-dir <dir>', 'directory of manifests (*.yaml, *.yml, *.json)')
    .action(async (flags: { configDir: string }) => {
      const result = await loadConfigDir(flags.configDir);
      for (const warning of result.warnings) console.error(`warning: ${formatProblem(warning)}`);
      for (const problem of result.problems) console.error(formatProblem(problem));
      if (result.problems.length > 0) {
        const count = result.problems.length;
        console.error(`${count} problem${count === 1 ? '' : 's'} found`);
        process.exitCode = 1;
        return;
      }
      console.log(`${result.documents.length} manifests valid`);
    });
}
