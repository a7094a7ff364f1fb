/** The memory of the server right after a full garbage collection, bytes. */
export interface SettledMemory {
  /** The V8 heap that survived the collection: what the server really holds on to. */
  heapUsedBytes: number;
  /** Buffers and other memory outside the heap that V8 knows of. */
  externalBytes: number;
  rssBytes: number;
}

/** The member that marks a settled reading among the lines the server writes on stderr. */
export const settledMarker = 'soakSettledMemory';

/** The reading in one line of output, or `undefined` for any other line. */
export function parseSettledLine(line: string): SettledMemory | undefined {
  if (!line.includes(settledMarker)) return undefined;
  try {
    const reading = (JSON.parse(line) as Record<string, unknown>)[settledMarker];
    return typeof reading === 'object' && reading !== null ? (reading as SettledMemory) : undefined;
  } catch {
    return undefined;
  }
}

/** The line the server writes for a reading. */
export function settledLine(reading: SettledMemory): string {
  return `${JSON.stringify({ [settledMarker]: reading })}\n`;
}
