import autocannon from 'autocannon';

import { percentile } from './measure.js';

/** One load run: the same request over and over, as autocannon sends it. */
export interface LoadSpec {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds of load before the measured run; nothing of it is kept. */
  warmupSec: number;
  /** Seconds of the measured run. */
  durationSec: number;
  /** Requests per second over all connections (autocannon `overallRate`); none: as fast as possible. */
  overallRate?: number;
  /** Send evenly spaced requests with `runPaced` instead of autocannon; needs `overallRate`. */
  paced?: boolean;
}

/** Latency percentiles in milliseconds, with sub-millisecond resolution. */
export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Completed responses (any status) per second of the measured run. */
  requestsPerSec: number;
  responses: number;
  durationSec: number;
  /** Time from writing a request to its complete response, every status included. */
  latencyMs: Latency;
  /** Responses by HTTP status. */
  statusCounts: Record<string, number>;
  /** Connection errors (timeouts included): requests that got no response at all. */
  errors: number;
  /** CPU time the load generator itself used during the run, user plus system. */
  generatorCpuMs: number;
  /** What autocannon itself reports, when it ran: per-second mean, whole-millisecond histogram. */
  autocannon?: { requestsPerSecMean: number; p50Ms: number; p99Ms: number };
}

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** CPU time (user plus system) of this process since `before`, in milliseconds. */
export function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return Math.round((used.user + used.system) / 100) / 10;
}

/** Summarises raw latency samples (ms); an empty run gives NaN. */
export function summariseLatency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: round(percentile(sorted, 0.5), 3),
    p99: round(percentile(sorted, 0.99), 3),
    max: round(sorted[sorted.length - 1] ?? Number.NaN, 3),
  };
}

/**
 * Runs autocannon for `durationSec` and records every response time itself: autocannon's
 * own histogram keeps whole milliseconds only, too coarse for a loopback p50.
 */
export function runAutocannon(spec: LoadSpec, durationSec: number): Promise<LoadResult> {
  const samples: number[] = [];
  const statusCounts: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        connections: spec.connections,
        pipelining: 1,
        duration: durationSec,
        overallRate: spec.overallRate,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
        resolve({
          requestsPerSec: round(samples.length / elapsedSec, 1),
          responses: samples.length,
          durationSec: round(elapsedSec, 3),
          latencyMs: summariseLatency(samples),
          statusCounts,
          errors: result.errors,
          generatorCpuMs: cpuMsSince(cpuBefore),
          autocannon: {
            requestsPerSecMean: result.requests.average,
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
          },
        });
      },
    );
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      samples.push(responseTimeMs);
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    });
  });
}
