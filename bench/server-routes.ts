import type { Logger } from 'pino';
import { createLogger } from '../src/logger.js';
import { appToken, caBody, call, issuerA, startTestHub } from '../test/support/hub.js';
import type { TestHub } from '../test/support/hub.js';
import { runInChild } from './child-process.js';
import type { LoadResult, LoadSpec } from './http-load.js';

/** Load settings shared by every HTTP run, the baseline included. */
export interface HttpSettings {
  connections: number;
  warmupSec: number;
  durationSec: number;
}

/** One request the server is measured with, and the status it must answer. */
export interface RouteCase {
  name: string;
  /** `http://host:port` to send it to; default the hub's. */
  origin?: string;
  path: string;
  token: string;
  expectedStatus: number;
}

export interface RouteRow {
  name: string;
  expectedStatus: number;
  load: LoadResult;
  /** Responses with any other status, plus requests that got no response. */
  unexpected: number;
  /**
   * CPU time of the bench process (the server under test; the rest of it idles) per
   * response during the measured run, in microseconds.
   */
  serverCpuUs: number;
  /** Requests the test issuers saw during the measured run (after warm-up). */
  jwksFetches: number;
  discoveryFetches: number;
}

/** Key set refresh period the hub runs with (the server default), in milliseconds. */
export const refreshIntervalMs = 300_000;

/**
 * The hub under test, with the production config poll interval and `logger`, silent by
 * default.
 */
export function startBenchHub(logger: Logger = createLogger('silent')): Promise<TestHub> {
  return startTestHub({
    logger,
    configPollIntervalMs: 1000,
    authn: { refreshIntervalMs },
    // One token drives the whole load: the per-identity limit would turn it into 429s.
    rateLimit: { ratePerSecond: 0, burst: 1 },
  });
}

/** A valid token of cluster A with its signature altered: the key is known, the check fails. */
function tamperedToken(hub: TestHub): string {
  const [header, payload, signature] = appToken(hub.clusterA).split('.');
  const bytes = Buffer.from(signature ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

/** The requests of the table, in the order they run. */
export function routeCases(hub: TestHub): RouteCase[] {
  const token = appToken(hub.clusterA, { lifetimeSec: 3600 });
  return [
    {
      name: 'secret read (fake store)',
      path: '/secretstore/main-store/secrets/hello',
      token,
      expectedStatus: 200,
    },
    {
      name: 'generator (Password)',
      path: '/generators/gen/Password/db-password',
      token,
      expectedStatus: 200,
    },
    {
      name: 'denied: store not granted',
      path: '/secretstore/ungranted-store/secrets/hello',
      token,
      expectedStatus: 404,
    },
    {
      name: 'invalid token: tampered signature',
      path: '/secretstore/main-store/secrets/hello',
      token: tamperedToken(hub),
      expectedStatus: 401,
    },
    {
      name: "invalid token: cluster B key, A's issuer",
      path: '/secretstore/main-store/secrets/hello',
      token: appToken(hub.clusterB, { claims: { iss: issuerA } }),
      expectedStatus: 401,
    },
  ];
}

/** The load spec of a case: the same headers and body a pod of cluster A sends. */
export function specFor(
  url: string,
  token: string,
  hub: TestHub,
  settings: HttpSettings,
): LoadSpec {
  return {
    url,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(caBody(hub.clusterA)),
    ...settings,
  };
}

/** One request first, so that a broken setup fails here instead of measuring errors. */
export async function probe(hub: TestHub, route: RouteCase): Promise<void> {
  const result = await call({ url: route.origin ?? hub.url }, route.path, {
    token: route.token,
    body: caBody(hub.clusterA),
  });
  if (result.status !== route.expectedStatus) {
    const answer = `${result.status} ${result.text.slice(0, 200)}`;
    throw new Error(`${route.name}: expected ${route.expectedStatus}, got ${answer}`);
  }
}

function resetIssuers(hub: TestHub): void {
  hub.clusterA.resetCounters();
  hub.clusterB.resetCounters();
}

/**
 * Runs one case under load from a child process. The issuers' counters and this process's
 * CPU time start after the warm-up.
 */
export async function measureRoute(
  hub: TestHub,
  route: RouteCase,
  settings: HttpSettings,
  pace: Pick<LoadSpec, 'overallRate' | 'paced'> = {},
): Promise<RouteRow> {
  await probe(hub, route);
  const url = `${route.origin ?? hub.url}${route.path}`;
  const spec = { ...specFor(url, route.token, hub, settings), ...pace };
  let cpuBefore = process.cpuUsage();
  const onWarm = (): void => {
    resetIssuers(hub);
    cpuBefore = process.cpuUsage();
  };
  const load = await runInChild<LoadResult>({ kind: 'load', spec }, { onWarm });
  const cpu = process.cpuUsage(cpuBefore);
  const expected = load.statusCounts[route.expectedStatus] ?? 0;
  return {
    name: route.name,
    expectedStatus: route.expectedStatus,
    load,
    unexpected: load.responses - expected + load.errors,
    serverCpuUs: Math.round((cpu.user + cpu.system) / Math.max(1, load.responses)),
    jwksFetches: hub.clusterA.jwksRequests + hub.clusterB.jwksRequests,
    discoveryFetches: hub.clusterA.discoveryRequests + hub.clusterB.discoveryRequests,
  };
}

export interface ColdStart {
  concurrentRequests: number;
  jwksFetches: number;
  discoveryFetches: number;
}

/**
 * Before anything else reaches the hub: `count` secret reads at once, while no key is
 * cached yet. However many arrive together, the issuer should see one fetch of each.
 */
export async function coldStart(hub: TestHub, route: RouteCase, count: number): Promise<ColdStart> {
  resetIssuers(hub);
  const body = caBody(hub.clusterA);
  const results = await Promise.all(
    Array.from({ length: count }, () => call(hub, route.path, { token: route.token, body })),
  );
  const failed = results.find((result) => result.status !== route.expectedStatus);
  if (failed) throw new Error(`cold start: got ${failed.status} ${failed.text.slice(0, 200)}`);
  return {
    concurrentRequests: count,
    jwksFetches: hub.clusterA.jwksRequests,
    discoveryFetches: hub.clusterA.discoveryRequests,
  };
}
