import { decisionKinds } from './authz-cost.js';
import type { AuthzResult, DecisionCost, DecisionKind } from './authz-cost.js';
import type { StartupResult } from './esi-cli-startup.js';
import { baselineDrift } from './http-bench.js';
import type { HttpBench } from './http-bench.js';
import type { RouteRow } from './server-routes.js';
import { fixed, int, ratio } from './targets.js';
import type { BenchResults, Target } from './targets.js';

/** One line of the table; a missing cell prints as `-`. */
interface Row {
  measure: string;
  result: string;
  p50?: string;
  p99?: string;
  cpu?: string;
  unexpected?: string;
  jwks?: string;
  ratio?: string;
  ratioTo?: string;
}

const columns: [keyof Row, string][] = [
  ['measure', 'measure'],
  ['result', 'result'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['cpu', 'server CPU'],
  ['unexpected', 'unexpected'],
  ['jwks', 'JWKS fetches'],
  ['ratio', 'ratio'],
  ['ratioTo', 'ratio to'],
];

function routeRow(measure: string, row: RouteRow): Row {
  const { load } = row;
  const per10k = load.responses > 0 ? (row.jwksFetches * 10_000) / load.responses : 0;
  return {
    measure: `${measure} -> ${row.expectedStatus}`,
    result: `${int(load.requestsPerSec)} req/s`,
    p50: `${fixed(load.latencyMs.p50)} ms`,
    p99: `${fixed(load.latencyMs.p99)} ms`,
    cpu: `${int(row.serverCpuUs)} us/req`,
    unexpected: String(row.unexpected),
    jwks: `${row.jwksFetches} (${fixed(per10k, 1)} /10k)`,
  };
}

/** A half-rate row, its p99 compared with the baseline's under the same load. */
function halfRateRow(measure: string, row: RouteRow, baseline: RouteRow): Row {
  const p99 = (r: RouteRow): number => r.load.latencyMs.p99;
  if (row === baseline) return routeRow(measure, row);
  return {
    ...routeRow(measure, row),
    ratio: fixed(ratio(p99(row), p99(baseline))),
    ratioTo: 'baseline p99, same load',
  };
}

function httpRows(http: HttpBench): Row[] {
  const { baselineBefore: before, baselineAfter: after, coldStart: cold } = http;
  const half = http.halfRate;
  const rate = int(half.overallRate);
  const fullSpeed = (measure: string, row: RouteRow): Row => ({
    ...routeRow(measure, row),
    ratio: fixed(ratio(row.load.requestsPerSec, http.baselineReqPerSec)),
    ratioTo: 'baseline req/s (mean)',
  });
  return [
    fullSpeed(`${before.name} (first)`, before),
    fullSpeed(`${after.name} (again, last)`, after),
    ...http.rows.map((row) => fullSpeed(row.name, row)),
    halfRateRow(`baseline at ${rate}/s, autocannon overallRate`, half.baseline, half.baseline),
    halfRateRow(
      `secret read at ${rate}/s (half max), autocannon overallRate`,
      half.read,
      half.baseline,
    ),
    halfRateRow(`baseline at ${rate}/s, evenly paced`, half.pacedBaseline, half.pacedBaseline),
    halfRateRow(
      `secret read at ${rate}/s (half max), evenly paced`,
      half.pacedRead,
      half.pacedBaseline,
    ),
    {
      measure: `cold start: ${cold.concurrentRequests} concurrent first secret reads`,
      result: `${cold.concurrentRequests} x 200`,
      unexpected: '0',
      jwks: `${cold.jwksFetches} (+${cold.discoveryFetches} discovery)`,
    },
  ];
}

const kindLabels: Record<DecisionKind, string> = {
  granted: 'grantsFor + has: granted, one identity',
  denied: 'grantsFor + has: denied, one identity',
  grantedSpread: 'grantsFor + has: granted, 1,024 identities',
  deniedSpread: 'grantsFor + has: denied, 1,024 identities',
  candidates: 'candidateFederations',
};

function authzRows(authz: AuthzResult): Row[] {
  const first = authz.costs[0] as DecisionCost;
  const last = authz.costs[authz.costs.length - 1] as DecisionCost;
  const bySize = (value: (cost: DecisionCost) => string): string =>
    authz.costs.map((cost) => `${int(cost.rules)}: ${value(cost)}`).join(', ');
  const decisions = decisionKinds.map((kind) => ({
    measure: `authz ${kindLabels[kind]}`,
    result: bySize((cost) => `${fixed(cost.ns[kind], 1)} ns`),
    ratio: fixed(ratio(last.ns[kind], first.ns[kind])),
    ratioTo: `${int(last.rules)} over ${int(first.rules)} rules`,
  }));
  const build = {
    measure: 'authz index build',
    result: bySize((cost) => `${fixed(cost.buildMs)} ms`),
  };
  const { memory } = authz;
  const mib = (bytes: number): string => `${fixed(bytes / 2 ** 20, 1)} MiB`;
  const heap = {
    measure: `authz index heap, ${int(memory.rules)} rules (first build ${fixed(memory.firstBuildMs)} ms)`,
    result: `${mib(memory.indexBytes)} (${int(memory.indexBytes / memory.rules)} B/rule)`,
    ratio: fixed(ratio(memory.indexBytes, memory.rulesBytes)),
    ratioTo: `heap of the rule objects (${mib(memory.rulesBytes)})`,
  };
  return [...decisions, build, heap];
}

function startupRows(startup: StartupResult): Row[] {
  const timing = (measure: string, t: StartupResult['baseline']): Row => ({
    measure,
    result: `${fixed(t.medianMs)} ms median (min ${fixed(t.minMs)})`,
    p99: `p90 ${fixed(t.p90Ms)} ms`,
    unexpected: '0',
  });
  return [
    timing('esi-cli baseline: node -e 0', startup.baseline),
    {
      ...timing('esi-cli: fetch one secret, exec true', startup.esiCli),
      ratio: fixed(startup.ratio),
      ratioTo: 'node -e 0 (median)',
    },
  ];
}

/** Rows as a Markdown table, each column padded to its widest cell. */
function table(rows: Row[]): string[] {
  const cells = [
    columns.map(([, title]) => title),
    ...rows.map((row) => columns.map(([key]) => row[key] ?? '-')),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]?.length ?? 0)));
  const line = (values: string[]): string =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header, ...body] = cells;
  return [line(header ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** The printed report: one table, then the targets and how noisy the machine was. */
export function renderReport(results: BenchResults, targets: Target[]): string {
  const { http } = results;
  const { connections, durationSec, warmupSec } = http.settings;
  const rows = [...httpRows(http), ...authzRows(results.authz), ...startupRows(results.startup)];
  const drift = baselineDrift(http);
  const noisy = drift > 0.1 ? ': a noisy run, read every ratio with that much slack' : '';
  return [
    '',
    `HTTP: ${connections} connections, pipelining 1, ${durationSec} s per row after ${warmupSec} s of warm-up.`,
    `authz: median of interleaved rounds. esi-cli: ${results.runs} runs per command after 3 warm-ups.`,
    '',
    ...table(rows),
    '',
    ...targets.map((t) => `${t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${t.detail}`),
    '',
    `baseline drift between its two runs: ${fixed(drift * 100, 1)}%${noisy}`,
    '',
  ].join('\n');
}
