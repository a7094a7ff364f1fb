import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { call } from '../support/hub.js';
import { scrape, valueOf } from '../support/metrics.js';
import { runLoad } from './load-run.js';
import type { LoadOutcome } from './load-run.js';
import { mib, seriesFigures } from './memory-figures.js';
import type { MemorySample } from './memory-figures.js';
import { MemorySampler, readMemory } from './memory-sampler.js';
import { RequestMix } from './request-mix.js';
import type { SoakCaller } from './request-mix.js';
import { startSoakHub } from './soak-hub.js';
import type { SoakHub } from './soak-hub.js';
import { generatorPath, grantedStore, storedValues } from './soak-manifests.js';
import { describeReport, saveReport } from './soak-report.js';
import type { SoakReport } from './soak-report.js';
import { soakSettings } from './soak-settings.js';
import { soakTokenSources } from './soak-tokens.js';

const settings = soakSettings();

/**
 * Bounds on growth from the second to the last quarter of the run, bytes, set from what
 * runs of the clean server measured here (see `bench/README.md`, "Soak"), with headroom:
 *
 * - settled heap (right after a forced full collection): it grows while the verification
 *   cache fills, by about 0.9 KiB for each token never seen before. The mix sends one in
 *   14 requests, so the cache reaches its 10,000 entries (about 9 MiB) after some 140,000
 *   requests, and the heap stays flat from there. 16 MiB is above the whole cache, so a
 *   run that ends while it fills still passes, and a leak must outgrow it to fail the run;
 * - RSS: it follows the heap V8 has reserved rather than the heap in use, and V8 grows
 *   and shrinks that reservation by up to 32 MiB from one reading to the next under this
 *   load; malloc keeps freed memory of TLS, SQLite and the thread pool for reuse on top.
 *   The readings of one quarter spread over up to 37 MiB, while the medians of clean runs
 *   were within 8 MiB of each other. 64 MiB is beyond any timing of collections, and
 *   catches what the settled heap does not see: Buffers and native memory. Growth of that
 *   size every 40 s would fill the chart's 512 MiB memory limit within minutes.
 */
const bounds = { settledHeapGrowthBytes: 16 * 2 ** 20, rssGrowthBytes: 64 * 2 ** 20 };

const json = { 'content-type': 'application/json' };

async function statesLive(metricsUrl: string): Promise<number> {
  const value = valueOf(await scrape(metricsUrl), 'federation_generator_states_live');
  if (value === undefined) throw new Error('the metrics carry no federation_generator_states_live');
  return value;
}

/** Deletes every generator state each pool caller may own, as a pod that goes away would. */
async function deleteStates(url: string, callers: readonly SoakCaller[]): Promise<void> {
  for (const caller of callers) {
    const options = { method: 'DELETE' as const, token: caller.token, rawBody: caller.body };
    const result = await call({ url }, generatorPath, { ...options, headers: json });
    assert.equal(result.status, 200, `clean-up DELETE answered ${result.status}: ${result.text}`);
  }
}

/** Runs the load while the sampler reads the server's memory. */
async function loadAndSample(
  hub: SoakHub,
  mix: RequestMix,
): Promise<{ load: LoadOutcome; samples: MemorySample[] }> {
  let responses = 0;
  const sampler = new MemorySampler({
    pid: hub.server.pid,
    metricsUrl: hub.metricsUrl,
    intervalMs: settings.sampleIntervalMs,
    responses: () => responses,
    settle: () => hub.server.settle(),
  });
  sampler.start();
  const load = await runLoad({
    url: hub.url,
    connections: settings.connections,
    amount: settings.requests,
    maxSeconds: settings.maxSeconds,
    requests: mix.requests(),
    onResponse: () => {
      responses += 1;
    },
  }).catch(async (error: unknown) => {
    await sampler.stop().catch(() => undefined);
    throw error;
  });
  return { load, samples: await sampler.stop() };
}

describe('soak', () => {
  const title =
    `keeps the server's memory level under a mixed load ` +
    `(${settings.requests} requests or ${settings.maxSeconds} s, at least ${settings.minRequests})`;
  it(title, { timeout: (settings.maxSeconds + 120) * 1000 }, async (t) => {
    const hub = await startSoakHub();
    try {
      const sources = soakTokenSources(hub.clusterA, hub.clusterB);
      const first = sources.callers[0] as SoakCaller;
      const probe = await call({ url: hub.url }, `/secretstore/${grantedStore}/secrets/plain`, {
        token: first.token,
        rawBody: first.body,
        headers: json,
      });
      assert.equal(probe.status, 200, `set-up read answered ${probe.status}: ${probe.text}`);
      assert.equal(probe.body, storedValues.plain);

      const mix = new RequestMix(sources);
      const start = await readMemory(hub.server.pid, hub.metricsUrl);
      const startSettled = await hub.server.settle();
      const { load, samples } = await loadAndSample(hub, mix);
      const settled = samples.flatMap((sample) => (sample.settled ? [sample.settled] : []));

      const afterLoad = await statesLive(hub.metricsUrl);
      await deleteStates(hub.url, sources.callers);
      const report: SoakReport = {
        at: new Date().toISOString(),
        node: process.version,
        settings,
        bounds,
        ...load,
        isBelowFloor: load.responses < settings.minRequests,
        routeCounts: mix.routeCounts(),
        requestsPerSec: load.responses / load.durationSec,
        statusCounts: mix.statusCounts(),
        slots: Object.fromEntries(mix.counts),
        rss: seriesFigures(
          start.rssBytes,
          samples.map((sample) => sample.rssBytes),
        ),
        heapUsed: seriesFigures(
          start.heapUsedBytes,
          samples.map((sample) => sample.heapUsedBytes),
        ),
        settledHeap: seriesFigures(
          startSettled.heapUsedBytes,
          settled.map((reading) => reading.heapUsedBytes),
        ),
        settledRss: seriesFigures(
          startSettled.rssBytes,
          settled.map((reading) => reading.rssBytes),
        ),
        statesLive: { afterLoad, afterCleanup: await statesLive(hub.metricsUrl) },
        samples,
      };
      for (const line of describeReport(report)) t.diagnostic(line);
      t.diagnostic(`figures saved to ${await saveReport(report)}`);

      assert.ok(settled.length >= 4, `only ${settled.length} settled readings: run too short`);
      assert.equal(load.errors, 0, 'requests without an answer');
      assert.ok(
        !report.isBelowFloor,
        `only ${load.responses} requests answered in ${load.durationSec.toFixed(1)} s, below ` +
          `the floor of ${settings.minRequests}: too few to judge the memory (SOAK_MIN_REQUESTS)`,
      );
      const serverErrors = Object.keys(report.statusCounts).filter((status) => +status >= 500);
      assert.deepEqual(serverErrors, [], 'the server answered 5xx');
      assert.deepEqual(mix.unexpected(), [], 'answers other than the mix expects');
      assert.ok(
        report.settledHeap.growth < bounds.settledHeapGrowthBytes,
        `settled heap grew by ${mib(report.settledHeap.growth)} from the second to the last quarter`,
      );
      assert.ok(
        report.rss.growth < bounds.rssGrowthBytes,
        `RSS grew by ${mib(report.rss.growth)} from the second to the last quarter`,
      );

      assert.ok(hub.server.isRunning, 'the server exited during the run');
      assert.equal((await call(hub, '/healthz', { method: 'GET' })).status, 200);
      assert.equal((await call(hub, '/readyz', { method: 'GET' })).status, 200);
      assert.ok(afterLoad <= settings.connections, `${afterLoad} states left after the load`);
      assert.equal(report.statesLive.afterCleanup, 0, 'generator states left after the clean-up');
    } catch (error) {
      t.diagnostic(`server output:\n${hub.server.outputExcerpt()}`);
      throw error;
    } finally {
      await hub.close();
    }
  });
});
