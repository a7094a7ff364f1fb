import { devNull } from 'node:os';
import { destination } from 'pino';
import { createLogger } from '../src/logger.js';
import { startBaselineServer } from './baseline-server.js';
import {
  coldStart,
  measureRoute,
  refreshIntervalMs,
  routeCases,
  startBenchHub,
} from './server-routes.js';
import type { ColdStart, HttpSettings, RouteCase, RouteRow } from './server-routes.js';

/** The secret read, and the baseline under the same load, at half the read's maximum rate. */
export interface HalfRate {
  /** Requests per second asked for: half of what the secret read served at full speed. */
  overallRate: number;
  /** With autocannon's `overallRate`, which sends each connection's share in bursts. */
  baseline: RouteRow;
  read: RouteRow;
  /** The same rate sent evenly spread over time (see `paced-load.ts`). */
  pacedBaseline: RouteRow;
  pacedRead: RouteRow;
}

export interface HttpBench {
  settings: HttpSettings;
  /** The key set refresh period the hub ran with, in milliseconds. */
  refreshIntervalMs: number;
  /** Measured first and again after the server rows, to show how much the machine drifted. */
  baselineBefore: RouteRow;
  baselineAfter: RouteRow;
  /** Mean requests/s of both baseline runs: what every server row is divided by. */
  baselineReqPerSec: number;
  coldStart: ColdStart;
  rows: RouteRow[];
  halfRate: HalfRate;
}

/** How much the second baseline differs from the first, as a fraction of the first. */
export function baselineDrift(bench: HttpBench): number {
  const before = bench.baselineBefore.load.requestsPerSec;
  return Math.abs(bench.baselineAfter.load.requestsPerSec - before) / before;
}

/**
 * Every HTTP measurement in one go: a bare `node:http` baseline and the hub, both in this
 * process on loopback, under the same load from a child process.
 */
export async function benchHttp(settings: HttpSettings): Promise<HttpBench> {
  const baselineServer = await startBaselineServer();
  // Silent, except for the one row that measures what the production log level costs.
  const logger = createLogger('silent', destination({ dest: devNull, sync: false }));
  const hub = await startBenchHub(logger);
  try {
    const cases = routeCases(hub);
    const read = cases[0] as RouteCase;
    const cold = await coldStart(hub, read, settings.connections);
    const baseline: RouteCase = {
      ...read,
      name: 'baseline: node:http, fixed JSON',
      origin: baselineServer.url,
    };
    const measure = (route: RouteCase, pace = {}): Promise<RouteRow> =>
      measureRoute(hub, route, settings, pace);

    const baselineBefore = await measure(baseline);
    const rows: RouteRow[] = [];
    for (const route of cases) rows.push(await measure(route));
    logger.level = 'info';
    try {
      rows.push(await measure({ ...read, name: `${read.name}, request log at info` }));
    } finally {
      logger.level = 'silent';
    }
    const baselineAfter = await measure(baseline);

    const readRow = rows[0] as RouteRow;
    const overallRate = Math.max(1, Math.floor(readRow.load.requestsPerSec / 2));
    const halfRate: HalfRate = {
      overallRate,
      baseline: await measure(baseline, { overallRate }),
      read: await measure(read, { overallRate }),
      pacedBaseline: await measure(baseline, { overallRate, paced: true }),
      pacedRead: await measure(read, { overallRate, paced: true }),
    };

    const mean = (baselineBefore.load.requestsPerSec + baselineAfter.load.requestsPerSec) / 2;
    return {
      settings,
      refreshIntervalMs,
      baselineBefore,
      baselineAfter,
      baselineReqPerSec: Math.round(mean * 10) / 10,
      coldStart: cold,
      rows,
      halfRate,
    };
  } finally {
    await hub.close();
    await baselineServer.close();
  }
}
