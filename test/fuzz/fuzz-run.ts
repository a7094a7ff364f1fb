/**
 * Run settings shared by the property tests of this folder.
 *
 * Every property has its own fixed seed, so a run in CI is repeatable and a failure can be
 * replayed from the seed and path that fast-check prints. `FUZZ_SEED` replaces every seed
 * and `FUZZ_RUNS` multiplies every run count, for a longer exploration on a workstation.
 */
export interface RunSettings {
  seed: number;
  numRuns: number;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
  return value;
}

/** Settings of one property: its own seed and run count unless the environment widens them. */
export function runSettings(seed: number, numRuns: number): RunSettings {
  const factor = envNumber('FUZZ_RUNS') ?? 1;
  return {
    seed: envNumber('FUZZ_SEED') ?? seed,
    numRuns: Math.max(1, Math.round(numRuns * factor)),
  };
}

/** The time each answer (or each loader call) may take before the property fails. */
export const answerTimeoutMs = 5000;
