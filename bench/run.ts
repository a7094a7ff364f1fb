import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { benchEsiCliStartup } from './esi-cli-startup.js';

const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 30);
  const startup = await benchEsiCliStartup(runs);

  const lines = [
    '',
    `esi-cli start-up (${runs} runs each, after 3 warm-ups)`,
    '',
    row(['measure', 'median ms', 'p90 ms', 'min ms', 'ratio to baseline']),
    row(['---', '---', '---', '---', '---']),
    row([
      'node -e 0 (baseline)',
      startup.baseline.medianMs,
      startup.baseline.p90Ms,
      startup.baseline.minMs,
      1,
    ]),
    row([
      'esi-cli: fetch one secret, exec true',
      startup.esiCli.medianMs,
      startup.esiCli.p90Ms,
      startup.esiCli.minMs,
      startup.ratio,
    ]),
    '',
    `target: esi-cli under 3x the baseline: ${startup.ratio < 3 ? 'met' : 'NOT met'}`,
    '',
  ];
  console.log(lines.join('\n'));

  await mkdir(resultsDir, { recursive: true });
  const file = `${resultsDir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  await writeFile(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), runs, startup }, null, 2)}\n`,
  );
  console.log(`saved ${file}`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
