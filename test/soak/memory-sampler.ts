import { readFile } from 'node:fs/promises';

import { scrape, valueOf } from '../support/metrics.js';
import type { Sample } from '../support/metrics.js';
import type { MemorySample } from './memory-figures.js';
import type { SettledMemory } from './settled-memory.js';

/** One reading of the server's memory; the load's progress is added by the sampler. */
export type MemoryReading = Omit<MemorySample, 'atMs' | 'responses' | 'settled'>;

/** The members of `/proc/<pid>/status` read here, in bytes. */
export async function readProcStatus(
  pid: number,
): Promise<{ vmRss: number; rssAnon: number; rssFile: number; rssShmem: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    vmRss: kib('VmRSS'),
    rssAnon: kib('RssAnon'),
    rssFile: kib('RssFile'),
    rssShmem: kib('RssShmem'),
  };
}

function metric(samples: readonly Sample[], name: string): number {
  const value = valueOf(samples, name);
  if (value === undefined) throw new Error(`the server's metrics carry no ${name}`);
  return value;
}

/** Reads the RSS of the process `pid` and the heap figures from its metrics endpoint. */
export async function readMemory(pid: number, metricsUrl: string): Promise<MemoryReading> {
  const [status, samples] = await Promise.all([readProcStatus(pid), scrape(metricsUrl)]);
  return {
    rssBytes: status.vmRss,
    heapUsedBytes: metric(samples, 'nodejs_heap_size_used_bytes'),
    detail: {
      rssAnonBytes: status.rssAnon,
      rssFileBytes: status.rssFile,
      rssShmemBytes: status.rssShmem,
      heapTotalBytes: metric(samples, 'nodejs_heap_size_total_bytes'),
      externalBytes: metric(samples, 'nodejs_external_memory_bytes'),
    },
  };
}

export interface SamplerOptions {
  pid: number;
  metricsUrl: string;
  /** Milliseconds between two readings; default 500. */
  intervalMs?: number;
  /** Responses received so far, recorded with each reading. */
  responses: () => number;
  /** Forces a full collection in the server and resolves with what survived it. */
  settle: () => Promise<SettledMemory>;
  /** Readings between two forced collections; default 8 (every 4 s at the default interval). */
  settleEvery?: number;
}

/**
 * Reads the server's memory at a fixed interval until stopped, and every few readings
 * forces a full collection to read what survives it. A reading that takes longer than the
 * interval delays the next one rather than overlapping it.
 */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly #options: SamplerOptions;
  readonly #intervalMs: number;
  readonly #settleEvery: number;
  #startedAt = 0;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  #failure: unknown;

  constructor(options: SamplerOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 500;
    this.#settleEvery = options.settleEvery ?? 8;
  }

  /** One reading now, outside the series. */
  read(): Promise<MemoryReading> {
    return readMemory(this.#options.pid, this.#options.metricsUrl);
  }

  start(): void {
    this.#startedAt = Date.now();
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops after the reading under way; throws what made a reading fail, if anything did. */
  async stop(): Promise<MemorySample[]> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
    return this.samples;
  }

  async #run(): Promise<void> {
    let next = this.#startedAt + this.#intervalMs;
    while (this.#running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, next - Date.now()));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!this.#running) return;
      try {
        const reading = await this.read();
        const sample: MemorySample = {
          atMs: Date.now() - this.#startedAt,
          responses: this.#options.responses(),
          ...reading,
        };
        if ((this.samples.length + 1) % this.#settleEvery === 0) {
          sample.settled = await this.#options.settle();
        }
        this.samples.push(sample);
      } catch (error) {
        this.#failure = error;
        return;
      }
      next = Math.max(next + this.#intervalMs, Date.now());
    }
  }
}
