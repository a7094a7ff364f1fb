import type { SettledMemory } from './settled-memory.js';

/** One reading of the server's memory during the load. */
export interface MemorySample {
  /** Milliseconds since the load started. */
  atMs: number;
  /** Responses the load generator had received by then. */
  responses: number;
  /** Resident set size (`VmRSS`), bytes. */
  rssBytes: number;
  /** V8 heap in use (`nodejs_heap_size_used_bytes`), bytes. */
  heapUsedBytes: number;
  /** Where the RSS lies and what else the process holds, bytes; recorded, not judged. */
  detail: MemoryDetail;
  /** At every few samples: the memory right after a full collection forced just then. */
  settled?: SettledMemory;
}

/** The parts of the memory that explain a change of RSS. */
export interface MemoryDetail {
  /** `RssAnon`: the V8 heap, Buffers, malloc arenas, SQLite's page cache. */
  rssAnonBytes: number;
  /** `RssFile`: mapped files, the executable first. */
  rssFileBytes: number;
  /** `RssShmem`: shared memory, such as SQLite's WAL index. */
  rssShmemBytes: number;
  /** `nodejs_heap_size_total_bytes`: the V8 heap reserved. */
  heapTotalBytes: number;
  /** `nodejs_external_memory_bytes`: memory of Buffers and other objects outside the heap. */
  externalBytes: number;
}

/** The figures of one series (RSS or heap), bytes. */
export interface SeriesFigures {
  /** The reading just before the load started. */
  start: number;
  /** Median of the samples of the second quarter of the load. */
  secondQuarterMedian: number;
  /** Median of the samples of the last quarter of the load. */
  lastQuarterMedian: number;
  /** `lastQuarterMedian - secondQuarterMedian`. */
  growth: number;
  /** The last reading of the load. */
  end: number;
  peak: number;
}

/** The median of `values`; NaN when there is none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The samples of one quarter (0 to 3) of a run, by position: samples are taken at a
 * fixed interval, so position stands for time. The first quarter holds the warm-up (JIT,
 * caches filling up, the heap finding its size) and is never judged.
 */
export function quarter<T>(samples: readonly T[], index: 0 | 1 | 2 | 3): T[] {
  const from = Math.floor((samples.length * index) / 4);
  const to = Math.floor((samples.length * (index + 1)) / 4);
  return samples.slice(from, to);
}

/**
 * Figures of one series of readings taken at a fixed interval. The medians of whole
 * quarters are compared rather than single readings, so that one reading taken just before
 * or after a collection does not decide.
 */
export function seriesFigures(start: number, values: readonly number[]): SeriesFigures {
  const secondQuarterMedian = median(quarter(values, 1));
  const lastQuarterMedian = median(quarter(values, 3));
  return {
    start,
    secondQuarterMedian,
    lastQuarterMedian,
    growth: lastQuarterMedian - secondQuarterMedian,
    end: values.at(-1) ?? Number.NaN,
    peak: values.reduce((peak, value) => Math.max(peak, value), start),
  };
}

/** Bytes as mebibytes with one decimal, for messages. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
