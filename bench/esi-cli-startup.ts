import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLogger } from '../src/logger.js';
import { esiCliPath } from '../test/support/esi-cli.js';
import { appToken, startTestHub } from '../test/support/hub.js';
import { timeCommand } from './measure.js';
import type { Timing } from './measure.js';

export interface StartupResult {
  baseline: Timing;
  esiCli: Timing;
  /** esi-cli median over the baseline median; the target is under 3. */
  ratio: number;
}

/**
 * The time esi-cli adds to a pod start: fetch one secret, inject it, exec `true`, against
 * `node -e 0` measured in the same run on the same machine.
 */
export async function benchEsiCliStartup(runs: number): Promise<StartupResult> {
  const hub = await startTestHub({ logger: createLogger('silent') });
  const dir = await mkdtemp(join(tmpdir(), 'bench-esi-'));
  try {
    const tokenFile = join(dir, 'token');
    const caFile = join(dir, 'ca.crt');
    await writeFile(tokenFile, appToken(hub.clusterA, { lifetimeSec: 3600 }));
    await writeFile(caFile, hub.clusterA.caPem);
    const options = { runs, warmups: 3 };

    const baseline = await timeCommand(process.execPath, ['-e', '0'], options);
    const esiCli = await timeCommand(
      process.execPath,
      [
        esiCliPath,
        '--federated-server-url',
        hub.url,
        '--federated-token',
        tokenFile,
        '--federated-ca-crt',
        caFile,
        '--federated-store',
        'main-store',
        '--external-secrets',
        'hello',
        '--inject-on-env',
        '*',
        '--',
        'true',
      ],
      options,
    );
    const ratio = Math.round((esiCli.medianMs / baseline.medianMs) * 100) / 100;
    return { baseline, esiCli, ratio };
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
}
