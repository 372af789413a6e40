import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

export interface MetricsOptions {
  /**
   * Node.js process metrics (CPU, memory, heap, GC, event-loop lag) under the `roster_` prefix. On only when the
   * metrics are served: they start a monitor and an observer that live as long as the process.
   */
  processMetrics?: boolean;
  /** How long a read made on scrape (queue depths) is reused before the database is asked again; default 5 s. */
  scrapeCacheMs?: number;
  /** The clock of that cache (tests). */
  now?: () => number;
}

/** One gauge whose value comes from a read made on scrape (see `Metrics.gaugesOnScrape`). */
export interface ScrapedGauge<T> {
  name: string;
  help: string;
  labelNames?: string[];
  /** Sets the gauge from the read's result (`gauge.set(...)`, per label set when it has labels). */
  set: (gauge: Gauge<string>, result: T) => void;
}

/**
 * The Prometheus metrics of one Roster instance, in a registry of its own (tests start several instances in one
 * process; prom-client's global registry is never used). Made by the roof and put on `Services.metrics`; each
 * feature defines and records its own metrics through it (names start with `roster_`, units end them), so no
 * feature imports another's to be counted. Defining a metric twice returns the first one: two workers of one
 * instance share it.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly scrapeCacheMs: number;
  private readonly now: () => number;
  private readonly readFailures: Counter<'read'>;

  constructor(options: MetricsOptions = {}) {
    this.scrapeCacheMs = options.scrapeCacheMs ?? 5_000;
    this.now = options.now ?? Date.now;
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'roster_' });
    this.readFailures = this.counter({
      name: 'roster_metrics_read_failures_total',
      help: 'Reads made on scrape (queue depths) that failed; the gauges they feed keep their last value.',
      labelNames: ['read'],
    });
  }

  counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    return (this.registry.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: HistogramConfiguration<L>): Histogram<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram({ ...config, registers: [this.registry] })
    );
  }

  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
    return (this.registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [this.registry] });
  }

  /**
   * Gauges fed by one read (typically one cheap query) made when Prometheus scrapes, reused for the scrape cache
   * period so several scrapers or instances' dashboards do not each query the database. A failed read is counted in
   * `roster_metrics_read_failures_total{read}` and leaves the gauges as they were; it never fails the scrape.
   */
  gaugesOnScrape<T>(readName: string, read: () => Promise<T>, gauges: Array<ScrapedGauge<T>>): void {
    let cached: { at: number; result: Promise<T | null> } | null = null;
    const current = (): Promise<T | null> => {
      if (cached && this.now() - cached.at < this.scrapeCacheMs) return cached.result;
      const result = read().catch(() => {
        this.readFailures.inc({ read: readName });
        return null;
      });
      cached = { at: this.now(), result };
      return result;
    };
    for (const spec of gauges) {
      this.gauge({
        name: spec.name,
        help: spec.help,
        labelNames: spec.labelNames ?? [],
        async collect() {
          const result = await current();
          if (result !== null) spec.set(this, result);
        },
      });
    }
  }

  /** The registry in Prometheus' text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Seconds between two moments (for `_seconds` histograms); 0 when the start is unknown or later. */
export function secondsBetween(start: Date | null | undefined, end: Date): number {
  if (!start) return 0;
  return Math.max(0, (end.getTime() - start.getTime()) / 1000);
}
