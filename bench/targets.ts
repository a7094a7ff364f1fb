import type { AuthzResult, DecisionCost, DecisionKind } from './authz-cost.js';
import type { StartupResult } from './esi-cli-startup.js';
import type { HttpBench } from './http-bench.js';

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  http: HttpBench;
  authz: AuthzResult;
  startup: StartupResult;
  /** esi-cli runs per command. */
  runs: number;
}

export interface Target {
  name: string;
  met: boolean;
  /** The numbers the verdict rests on. */
  detail: string;
}

/** A largest-to-smallest ratio below this counts as flat; a scan of the rules gives ~10,000. */
export const flatRatioLimit = 2;

export const int = (value: number): string => Math.round(value).toLocaleString('en-US');
export const fixed = (value: number, digits = 2): string => value.toFixed(digits);
export const ratio = (value: number, reference: number): number =>
  Math.round((value / reference) * 100) / 100;

function readThroughput(http: HttpBench): Target {
  const read = http.rows[0];
  const readRatio = read ? ratio(read.load.requestsPerSec, http.baselineReqPerSec) : 0;
  return {
    name: 'secret read >= 60% of the baseline req/s',
    met: readRatio >= 0.6,
    detail: `${fixed(readRatio * 100, 0)}% (${int(read?.load.requestsPerSec ?? 0)} of ${int(http.baselineReqPerSec)} req/s)`,
  };
}

function halfRateLatency(http: HttpBench): Target {
  const { overallRate, read, baseline, pacedRead, pacedBaseline } = http.halfRate;
  const p99 = read.load.latencyMs.p99;
  const ms = (row: typeof read): string => `${fixed(row.load.latencyMs.p99)} ms`;
  return {
    name: 'p99 < 5 ms at half the maximum rate (autocannon overallRate)',
    met: p99 < 5 && read.unexpected === 0,
    detail: `p99 ${ms(read)} at ${int(overallRate)}/s, bare baseline under the same load ${ms(baseline)}; evenly paced: ${ms(pacedRead)}, baseline ${ms(pacedBaseline)}`,
  };
}

function keyFetches(http: HttpBench): Target {
  const read = http.rows[0];
  const runSec = http.settings.durationSec;
  const allowed = Math.ceil((runSec * 1000) / http.refreshIntervalMs);
  const fetches = read?.jwksFetches ?? Number.NaN;
  const cold = http.coldStart;
  return {
    name: '<= 1 JWKS fetch per federation per refresh period',
    met: cold.jwksFetches <= 1 && fetches <= allowed,
    detail: `${cold.jwksFetches} for ${cold.concurrentRequests} concurrent cold reads; ${fetches} during ${int(read?.load.responses ?? 0)} reads in ${runSec} s (period ${http.refreshIntervalMs / 1000} s, so at most ${allowed})`,
  };
}

function flatDecisions(authz: AuthzResult): Target {
  const first = authz.costs[0] as DecisionCost;
  const last = authz.costs[authz.costs.length - 1] as DecisionCost;
  const growth = (kind: DecisionKind): number => ratio(last.ns[kind], first.ns[kind]);
  const judged = Math.max(growth('granted'), growth('denied'), growth('candidates'));
  return {
    name: `decision cost flat from ${int(first.rules)} to ${int(last.rules)} rules`,
    met: judged < flatRatioLimit,
    detail: `largest ratio ${fixed(judged)} for one granted and one denied identity and candidateFederations (limit ${flatRatioLimit}); with 1,024 identities spread over the index: granted ${fixed(growth('grantedSpread'))}, denied ${fixed(growth('deniedSpread'))}`,
  };
}

function esiCliStartup(startup: StartupResult): Target {
  return {
    name: 'esi-cli median < 3x node -e 0',
    met: startup.ratio < 3,
    detail: `${fixed(startup.ratio)}x (${fixed(startup.esiCli.medianMs)} vs ${fixed(startup.baseline.medianMs)} ms)`,
  };
}

/** Which of the targets this run met, each with the numbers behind the verdict. */
export function evaluateTargets(results: BenchResults): Target[] {
  return [
    readThroughput(results.http),
    halfRateLatency(results.http),
    keyFetches(results.http),
    flatDecisions(results.authz),
    esiCliStartup(results.startup),
  ];
}
