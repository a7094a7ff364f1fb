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
  /**
   * Fewest requests that must be answered for the run to count (`SOAK_MIN_REQUESTS`);
   * default 100,000, never more than `requests`. On a quiet 2-core machine the run answers
   * about 3,700 requests/s, close to 300,000 in 80 s; on a busy one it answered 1,900/s.
   * In CI it shares the two cores with another test file, and its own load generator and
   * client clusters run in the test process beside the server. The floor asks for 1,250/s,
   * a third of the quiet rate. Fewer requests say too little: the growth bounds are judged
   * over the middle half of the run, and at the floor that half still holds 50,000
   * requests, so a leak of about 270 bytes a request would cross the settled heap bound
   * (about 100 bytes in a full run; see `bench/README.md`, "Soak").
   */
  minRequests: number;
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
  const requests = positiveInteger('SOAK_REQUESTS', 300_000);
  return {
    requests,
    maxSeconds: positiveInteger('SOAK_SECONDS', 80),
    minRequests: Math.min(positiveInteger('SOAK_MIN_REQUESTS', 100_000), requests),
    connections: positiveInteger('SOAK_CONNECTIONS', 16),
    sampleIntervalMs: positiveInteger('SOAK_SAMPLE_MS', 500),
  };
}
