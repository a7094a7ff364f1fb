/** The knobs of a soak run, read from the environment. */
export interface SoakSettings {
  /** Requests in all (`SOAK_REQUESTS`); default 300,000. */
  requests: number;
  /**
   * Seconds after which the load stops even when fewer requests were made
   * (`SOAK_SECONDS`); default 80, which keeps the run within the test suite's budget on a
   * 2-core machine that also runs other test files.
   */
  maxSeconds: number;
  /** Concurrent keep-alive connections (`SOAK_CONNECTIONS`); default 16. */
  connections: number;
  /** Milliseconds between two memory readings (`SOAK_SAMPLE_MS`); default 500. */
  sampleIntervalMs: number;
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a whole number above 0, got ${raw}`);
  }
  return value;
}

export function soakSettings(): SoakSettings {
  return {
    requests: positiveInteger('SOAK_REQUESTS', 300_000),
    maxSeconds: positiveInteger('SOAK_SECONDS', 80),
    connections: positiveInteger('SOAK_CONNECTIONS', 16),
    sampleIntervalMs: positiveInteger('SOAK_SAMPLE_MS', 500),
  };
}
