const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go-style duration (`500ms`, `30s`, `5m`, `1h30m`) into milliseconds. A bare
 * number is refused: a unit is always required so nobody guesses between s and ms.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(pattern)) {
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    consumed += match[0].length;
  }
  if (trimmed === '' || consumed !== trimmed.length || !Number.isFinite(total)) {
    throw new Error(`invalid duration "${text}": use e.g. 500ms, 30s, 5m, 1h30m`);
  }
  return Math.round(total);
}
