import { spawn } from 'node:child_process';

/** Summary of repeated timings, in milliseconds. */
export interface Timing {
  runs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
}

/** Nearest-rank percentile of ascending `sorted`; `fraction` from 0 to 1. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Runs a command once; resolves with its wall time in ms, rejects when it fails. */
function timeOnce(
  command: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Asynchronous on purpose: the server under test may run in this very process.
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(elapsedMs);
      else reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

/**
 * Runs a command `runs` times after `warmups` unmeasured runs, one at a time, and
 * summarises its wall time. A failing run throws, so a broken command never looks fast.
 */
export async function timeCommand(
  command: string,
  args: readonly string[],
  options: { runs: number; warmups: number; env?: NodeJS.ProcessEnv },
): Promise<Timing> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmups + options.runs; i += 1) {
    const elapsedMs = await timeOnce(command, args, options.env);
    if (i >= options.warmups) samples.push(elapsedMs);
  }
  samples.sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 100) / 100;
  return {
    runs: samples.length,
    medianMs: round(percentile(samples, 0.5)),
    p90Ms: round(percentile(samples, 0.9)),
    minMs: round(samples[0] ?? Number.NaN),
  };
}
