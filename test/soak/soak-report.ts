import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { repoPath } from '../support/repo.js';
import { mib } from './memory-figures.js';
import type { MemorySample, SeriesFigures } from './memory-figures.js';
import type { SlotCounts } from './request-mix.js';
import type { SoakSettings } from './soak-settings.js';

/** Everything a soak run measured; saved as JSON under `bench/results/`. */
export interface SoakReport {
  at: string;
  node: string;
  settings: SoakSettings;
  /** The bounds the run was judged against, bytes. */
  bounds: { settledHeapGrowthBytes: number; rssGrowthBytes: number };
  /** Seconds from the first request to the last response. */
  durationSec: number;
  /** Whether the load stopped at `settings.maxSeconds` before all requests were made. */
  stoppedByTime: boolean;
  /** Requests answered, of any status: the count the run reached. */
  responses: number;
  /** `responses` below `settings.minRequests`: too few to judge, and the run fails. */
  isBelowFloor: boolean;
  /** Requests answered, by method and route pattern. */
  routeCounts: Record<string, number>;
  requestsPerSec: number;
  /** Requests that got no answer (connection errors and timeouts). */
  errors: number;
  statusCounts: Record<string, number>;
  slots: Record<string, SlotCounts>;
  /** From the readings every `settings.sampleIntervalMs`. */
  rss: SeriesFigures;
  heapUsed: SeriesFigures;
  /** From the readings right after a forced full collection, every few samples. */
  settledHeap: SeriesFigures;
  settledRss: SeriesFigures;
  /** Generator states on record when the load stopped, and after the final clean-up. */
  statesLive: { afterLoad: number; afterCleanup: number };
  samples: MemorySample[];
}

/** Writes the report as `bench/results/soak-<time>.json` and returns the path. */
export async function saveReport(report: SoakReport): Promise<string> {
  const directory = repoPath('bench', 'results');
  await mkdir(directory, { recursive: true });
  const file = join(directory, `soak-${report.at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function seriesLine(name: string, figures: SeriesFigures): string {
  return (
    `${name}: start ${mib(figures.start)}, second quarter median ` +
    `${mib(figures.secondQuarterMedian)}, last quarter median ${mib(figures.lastQuarterMedian)} ` +
    `(growth ${mib(figures.growth)}), end ${mib(figures.end)}, peak ${mib(figures.peak)}`
  );
}

function countLine(report: SoakReport): string {
  const { settings } = report;
  const reached =
    `${report.responses} of ${settings.requests} requests answered ` +
    `in ${report.durationSec.toFixed(1)} s`;
  const limit = report.stoppedByTime ? `, stopped at the ${settings.maxSeconds} s limit` : '';
  const floor = report.isBelowFloor
    ? `; BELOW THE FLOOR of ${settings.minRequests}: too few requests to judge the memory`
    : `; floor ${settings.minRequests}`;
  return reached + limit + floor;
}

/** The figures of a run as a few lines of text, for the test output. */
export function describeReport(report: SoakReport): string[] {
  const statuses = Object.entries(report.statusCounts)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const routes = Object.entries(report.routeCounts)
    .map(([route, count]) => `${route}: ${count}`)
    .join(', ');
  return [
    countLine(report),
    `${Math.round(report.requestsPerSec)} requests/s over ${report.settings.connections} ` +
      `connections, ${report.errors} without an answer`,
    `requests by route: ${routes}`,
    `statuses: ${statuses}`,
    seriesLine('server RSS', report.rss),
    seriesLine('server heap used', report.heapUsed),
    seriesLine('server heap after a full collection', report.settledHeap),
    seriesLine('server RSS after a full collection', report.settledRss),
    `bounds: settled heap growth < ${mib(report.bounds.settledHeapGrowthBytes)}, ` +
      `RSS growth < ${mib(report.bounds.rssGrowthBytes)}`,
    `generator states on record: ${report.statesLive.afterLoad} after the load, ` +
      `${report.statesLive.afterCleanup} after the clean-up`,
    `memory samples: ${report.samples.length}`,
  ];
}
