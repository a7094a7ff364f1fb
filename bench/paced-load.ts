import { Pool } from 'undici';

import { cpuMsSince, summariseLatency } from './http-load.js';
import type { LoadResult, LoadSpec } from './http-load.js';

/** How often the sender wakes up to send what is due, in milliseconds. */
const tickMs = 1;

/**
 * Sends `overallRate` requests per second evenly spread over time (open loop), over at most
 * `connections` keep-alive connections. autocannon's `overallRate` instead lets each
 * connection send its share of a second back to back and then wait, so even at half the
 * maximum rate the server sees full-speed bursts for part of every second.
 *
 * Latency runs from the moment a request is handed to the pool, so time spent waiting
 * for a free connection (the server being slow) counts, and the sender's own timer lag
 * does not.
 */
export function runPaced(spec: LoadSpec, durationSec: number): Promise<LoadResult> {
  const rate = spec.overallRate;
  if (!rate) return Promise.reject(new Error('a paced run needs overallRate'));
  const url = new URL(spec.url);
  const pool = new Pool(url.origin, { connections: spec.connections, pipelining: 1 });
  const total = Math.max(1, Math.round(rate * durationSec));
  const intervalNs = 1e9 / rate;
  const samples: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let sent = 0;

  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const finishIfDone = (): void => {
      if (samples.length + errors < total) return;
      void pool.destroy();
      const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({
        requestsPerSec: Math.round((samples.length / elapsedSec) * 10) / 10,
        responses: samples.length,
        durationSec: Math.round(elapsedSec * 1000) / 1000,
        latencyMs: summariseLatency(samples),
        statusCounts,
        errors,
        generatorCpuMs: cpuMsSince(cpuBefore),
      });
    };

    const sendOne = (): void => {
      const issued = process.hrtime.bigint();
      pool
        .request({
          path: url.pathname,
          method: spec.method,
          headers: spec.headers,
          body: spec.body,
        })
        .then(async (response) => {
          await response.body.dump();
          samples.push(Number(process.hrtime.bigint() - issued) / 1e6);
          const status = String(response.statusCode);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        })
        .catch(() => {
          errors += 1;
        })
        .finally(finishIfDone);
    };

    const tick = (): void => {
      const dueCount = Math.floor(Number(process.hrtime.bigint() - started) / intervalNs) + 1;
      while (sent < Math.min(dueCount, total)) {
        sent += 1;
        sendOne();
      }
      if (sent < total) setTimeout(tick, tickMs);
    };
    tick();
  });
}
