import type { Metric, Registry } from 'prom-client';

/** Label values by label name. */
export type Labels = Record<string, string>;

/** One sample as the registry formats it: prom-client's `MetricValueWithName`. */
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** What a registry reads of a metric on every scrape. */
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

interface Definition {
  name: string;
  help: string;
  labelNames: readonly string[];
}

/**
 * The label set of `values` (in `labelNames` order) and the key it is kept under. Values
 * are joined with a character no label value of ours holds (route patterns, reasons,
 * store and federation names).
 */
function seriesKey(labelNames: readonly string[], values: Labels): string {
  let key = '';
  for (const name of labelNames) key += `${values[name] ?? ''}\u0001`;
  return key;
}

function copyLabels(labelNames: readonly string[], values: Labels): Labels {
  const labels: Labels = {};
  for (const name of labelNames) labels[name] = values[name] ?? '';
  return labels;
}

/**
 * The part shared by the two kinds: registered in a prom-client registry as any of its
 * own metrics would be, and read by it on every scrape through `get()`.
 */
abstract class Series<Entry> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  protected readonly labelNames: readonly string[];
  protected readonly entries = new Map<string, Entry>();

  constructor(definition: Definition, registry: Registry) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    // The registry reads name, help, type, aggregator and get(), and calls reset().
    registry.registerMetric(this as unknown as Metric);
  }

  abstract readonly type: Family['type'];

  /** Every sample of every series, as the registry formats them. */
  protected abstract samples(): Sample[];

  get(): Promise<Family> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples(),
    });
  }

  protected entryFor(labels: Labels, create: (labels: Labels) => Entry): Entry {
    const key = seriesKey(this.labelNames, labels);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = create(copyLabels(this.labelNames, labels));
      this.entries.set(key, entry);
    }
    return entry;
  }

  reset(): void {
    this.entries.clear();
  }
}

/**
 * A Prometheus counter for the request path: one map lookup per increment, where
 * prom-client's own checks and hashes the label object on every call.
 */
export class FastCounter extends Series<{ labels: Labels; value: number }> {
  readonly type = 'counter';

  inc(labels: Labels, by = 1): void {
    this.entryFor(labels, (copy) => ({ labels: copy, value: 0 })).value += by;
  }

  protected samples(): Sample[] {
    return [...this.entries.values()].map(({ labels, value }) => ({ labels, value }));
  }
}

interface HistogramEntry {
  labels: Labels;
  /** Observations per bucket, not cumulative; the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/** A Prometheus histogram for the request path, like {@link FastCounter}. */
export class FastHistogram extends Series<HistogramEntry> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(definition: Definition & { buckets: readonly number[] }, registry: Registry) {
    super(definition, registry);
    this.#bounds = [...definition.buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const entry = this.entryFor(labels, (copy) => ({
      labels: copy,
      counts: new Array<number>(this.#bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
    let slot = 0;
    while (slot < this.#bounds.length && value > (this.#bounds[slot] as number)) slot += 1;
    entry.counts[slot] = (entry.counts[slot] ?? 0) + 1;
    entry.sum += value;
    entry.count += 1;
  }

  protected samples(): Sample[] {
    const bucket = `${this.name}_bucket`;
    const values: Sample[] = [];
    for (const { labels, counts, sum, count } of this.entries.values()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, slot) => {
        cumulative += counts[slot] ?? 0;
        values.push({
          labels: { ...labels, le: String(bound) },
          value: cumulative,
          metricName: bucket,
        });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: bucket });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return values;
  }
}
