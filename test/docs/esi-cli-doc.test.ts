import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { exitCodeTable } from '../../cli/exit-codes.js';
import { envVarOf, flagDefinitions } from '../../cli/flags.js';
import { runEsi } from '../support/esi-cli.js';

const docUrl = new URL('../../../docs/esi-cli.md', import.meta.url);

describe('docs/esi-cli.md', () => {
  it('documents every flag and every exit code of esi-cli', async () => {
    const doc = await readFile(docUrl, 'utf8');
    for (const flag of flagDefinitions) {
      assert.ok(doc.includes(`\`--${flag.name}`), `docs/esi-cli.md lacks --${flag.name}`);
    }
    for (const [code] of exitCodeTable) {
      assert.match(
        doc,
        new RegExp(`^\\|\\s*${code}\\s*\\|`, 'm'),
        `exit code ${code} undocumented`,
      );
    }
  });

  it('matches --help, which names every flag, its variable and every exit code', async () => {
    const help = await runEsi(['--help']);
    assert.equal(help.code, 0);
    for (const flag of flagDefinitions) {
      if (flag.commands.includes('run')) {
        assert.ok(help.stdout.includes(`--${flag.name}`), `--help lacks --${flag.name}`);
        assert.ok(help.stdout.includes(envVarOf(flag.name)), `--help lacks ${envVarOf(flag.name)}`);
      }
    }
    for (const [code, meaning] of exitCodeTable) {
      assert.ok(help.stdout.includes(meaning), `--help lacks exit code ${code}`);
    }
  });
});
