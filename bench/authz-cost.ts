import { AuthorizationIndex } from '../src/authz/index.js';
import type { AuthorizationRule, Federation } from '../src/resources/model.js';

export interface AuthzOptions {
  /** Rule counts to compare, smallest first; the first is the reference. */
  sizes: number[];
  /** Decisions per timed loop. */
  iterations: number;
  /** Timed loops per size and kind; the median is kept. */
  rounds: number;
}

/**
 * What is timed, each as nanoseconds per call:
 * - `granted`, `denied`: `grantsFor` + `clusterSecretStores.has` for one identity with a
 *   rule (in the middle of the index) and one without, asked again and again;
 * - `grantedSpread`, `deniedSpread`: the same, cycling through 1,024 identities spread
 *   over the whole index, so that they do not all stay in the CPU caches;
 * - `candidates`: `candidateFederations` for the token's issuer.
 */
export const decisionKinds = [
  'granted',
  'denied',
  'grantedSpread',
  'deniedSpread',
  'candidates',
] as const;
export type DecisionKind = (typeof decisionKinds)[number];

export interface DecisionCost {
  rules: number;
  /** Median of 3 builds of the index from rules already in memory, in milliseconds. */
  buildMs: number;
  /** Nanoseconds per call, each the median of `rounds` timed loops. */
  ns: Record<DecisionKind, number>;
}

export interface AuthzResult {
  costs: DecisionCost[];
  memory: IndexMemory;
}

export interface IndexMemory {
  rules: number;
  /** `heapUsed` after building the index minus before, both after full GCs. */
  indexBytes: number;
  /** The same for generating the rule objects the index is built from. */
  rulesBytes: number;
  /** The first build, in a fresh process: cold code, in milliseconds. */
  firstBuildMs: number;
}

const federation = 'cluster-a';
const issuer = 'https://oidc.cluster-a.example.com';
const federations = new Map<string, Federation>([
  [federation, { name: federation, url: 'https://cluster-a.invalid' }],
]);
/** Identities cycled through per loop; a power of two, so the index is a mask. */
const poolSize = 1024;

interface Probe {
  federation: string;
  issuer: string;
  subject: string;
  store: string;
}

function generateRules(count: number): AuthorizationRule[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `workload-${i}`,
    federation,
    issuer,
    subject: `system:serviceaccount:team-${i % 500}:workload-${i}`,
    clusterSecretStores: [`store-${i % 20}`],
    generators: [
      {
        namespace: `team-${i % 500}`,
        kind: 'Password',
        name: 'db-password',
        apiVersion: 'generators.external-secrets.io/v1alpha1',
      },
    ],
    generatorStateNamespaces: [],
  }));
}

/** Probe pools of every decision kind (all but `candidates`), `poolSize` long each. */
function probePools(rules: readonly AuthorizationRule[]): Record<DecisionKind, Probe[]> {
  const withRule = (rule: AuthorizationRule): Probe => ({
    federation,
    issuer,
    subject: rule.subject,
    store: rule.clusterSecretStores[0] ?? '',
  });
  const without = (k: number): Probe => ({
    federation,
    issuer,
    subject: `system:serviceaccount:other:absent-${k}`,
    store: 'store-0',
  });
  const middle = withRule(rules[Math.floor(rules.length / 2)] as AuthorizationRule);
  const absent = without(0);
  const spread = (k: number): AuthorizationRule =>
    rules[Math.floor((k * rules.length) / poolSize)] as AuthorizationRule;
  const pool = (make: (k: number) => Probe): Probe[] =>
    Array.from({ length: poolSize }, (_, k) => make(k));
  return {
    granted: pool(() => middle),
    denied: pool(() => absent),
    grantedSpread: pool((k) => withRule(spread(k))),
    deniedSpread: pool(without),
    candidates: [],
  };
}

function nsPerCall(iterations: number, loop: () => number): { ns: number; hits: number } {
  const started = process.hrtime.bigint();
  const hits = loop();
  return { ns: Number(process.hrtime.bigint() - started) / iterations, hits };
}

function timeDecisions(index: AuthorizationIndex, pool: Probe[], iterations: number) {
  return nsPerCall(iterations, () => {
    let granted = 0;
    for (let i = 0; i < iterations; i += 1) {
      const probe = pool[i & (poolSize - 1)] as Probe;
      if (index.grantsFor(probe).clusterSecretStores.has(probe.store)) granted += 1;
    }
    return granted;
  });
}

function timeCandidates(index: AuthorizationIndex, iterations: number) {
  return nsPerCall(iterations, () => {
    let found = 0;
    for (let i = 0; i < iterations; i += 1) {
      found += index.candidateFederations(issuer, federations).length;
    }
    return found;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function elapsedMs(work: () => unknown): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** `heapUsed` after two full collections; needs `--expose-gc`. */
function settledHeap(): number {
  if (!gc) throw new Error('the authorization bench needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap retained by an index of `count` rules, measured first, in a heap with little else. */
function measureMemory(count: number): IndexMemory {
  const beforeRules = settledHeap();
  const rules = generateRules(count);
  const beforeIndex = settledHeap();
  let index: AuthorizationIndex | undefined;
  const firstBuildMs = elapsedMs(() => (index = new AuthorizationIndex(rules)));
  const afterIndex = settledHeap();
  // Both stay reachable until after the last measurement.
  if (
    index?.grantsFor({ federation, issuer, subject: rules[0]?.subject ?? '' }).rules.length !== 1
  ) {
    throw new Error('the index lost its first rule');
  }
  return {
    rules: count,
    indexBytes: afterIndex - beforeIndex,
    rulesBytes: beforeIndex - beforeRules,
    firstBuildMs,
  };
}

interface Case {
  rules: AuthorizationRule[];
  index: AuthorizationIndex;
  pools: Record<DecisionKind, Probe[]>;
  samples: Record<DecisionKind, number[]>;
}

const emptySamples = (): Record<DecisionKind, number[]> => ({
  granted: [],
  denied: [],
  grantedSpread: [],
  deniedSpread: [],
  candidates: [],
});

/** Times one loop of every kind for one case, checking each decided as it should. */
function timeRound(item: Case, iterations: number): void {
  for (const kind of decisionKinds) {
    const timed =
      kind === 'candidates'
        ? timeCandidates(item.index, iterations)
        : timeDecisions(item.index, item.pools[kind], iterations);
    const expected = kind === 'denied' || kind === 'deniedSpread' ? 0 : iterations;
    if (timed.hits !== expected)
      throw new Error(`wrong ${kind} decisions, ${item.rules.length} rules`);
    item.samples[kind].push(timed.ns);
  }
}

/**
 * Cost of one authorization decision as the rule count grows, and the heap an index of
 * the largest count holds. Sizes are interleaved round by round, so that a slow moment of
 * the machine hits them all alike.
 */
export function measureAuthz(options: AuthzOptions): AuthzResult {
  const memory = measureMemory(Math.max(...options.sizes));
  const cases: Case[] = options.sizes.map((size) => {
    const rules = generateRules(size);
    const index = new AuthorizationIndex(rules);
    return { rules, index, pools: probePools(rules), samples: emptySamples() };
  });

  const warmup = Math.max(1, Math.floor(options.iterations / 10));
  for (const item of cases) timeRound(item, warmup);
  for (const item of cases) item.samples = emptySamples();
  for (let round = 0; round < options.rounds; round += 1) {
    for (const item of cases) timeRound(item, options.iterations);
  }

  const round2 = (value: number): number => Math.round(value * 100) / 100;
  const costs = cases.map((item) => {
    const builds = [1, 2, 3].map(() => elapsedMs(() => new AuthorizationIndex(item.rules)));
    const ns = Object.fromEntries(
      decisionKinds.map((kind) => [kind, round2(median(item.samples[kind]))]),
    ) as Record<DecisionKind, number>;
    return { rules: item.rules.length, buildMs: round2(median(builds)), ns };
  });
  return { costs, memory: { ...memory, firstBuildMs: round2(memory.firstBuildMs) } };
}
