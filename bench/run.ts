import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import type { AuthzOptions, AuthzResult } from './authz-cost.js';
import { runInChild } from './child-process.js';
import { benchEsiCliStartup } from './esi-cli-startup.js';
import { benchHttp } from './http-bench.js';
import { renderReport } from './report.js';
import { evaluateTargets } from './targets.js';
import type { HttpSettings } from './server-routes.js';

const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));

/** A positive number from the environment, or `fallback`; anything else stops the bench. */
function envNumber(name: string, fallback: number, options: { integer?: boolean } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (options.integer && !Number.isInteger(value))) {
    throw new Error(
      `${name} must be a positive ${options.integer ? 'integer' : 'number'}, got ${raw}`,
    );
  }
  return value;
}

function progress(step: string): void {
  console.error(`bench: ${step}`);
}

async function main(): Promise<void> {
  const runs = envNumber('BENCH_RUNS', 30, { integer: true });
  const settings: HttpSettings = {
    connections: envNumber('BENCH_CONNECTIONS', 32, { integer: true }),
    durationSec: envNumber('BENCH_DURATION', 5),
    warmupSec: envNumber('BENCH_WARMUP', 1),
  };
  const authzOptions: AuthzOptions = {
    sizes: [10, 1_000, 100_000],
    iterations: envNumber('BENCH_AUTHZ_ITERATIONS', 300_000, { integer: true }),
    rounds: 5,
  };

  progress('HTTP: baseline and server routes');
  const http = await benchHttp(settings);
  progress('authorization index');
  const authz = await runInChild<AuthzResult>(
    { kind: 'authz', options: authzOptions },
    { execArgv: ['--expose-gc'] },
  );
  progress('esi-cli start-up');
  const startup = await benchEsiCliStartup(runs);

  const results = { http, authz, startup, runs };
  const targets = evaluateTargets(results);
  console.log(renderReport(results, targets));

  await mkdir(resultsDir, { recursive: true });
  const at = new Date().toISOString();
  const file = `${resultsDir}${at.replace(/[:.]/g, '-')}.json`;
  const saved = { at, node: process.version, settings, authzOptions, ...results, targets };
  await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`);
  console.log(`saved ${file}`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
