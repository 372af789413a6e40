// The receiving instance's own record of each event's fan-out (roster_live_fanout_seconds, see realtime/live-hub.ts),
// read from its /metrics before and after the measured repetitions: the server's share of the delay, without the clients'.

/** Asked by /metrics of the benchmark's Roster children (METRICS_TOKEN). */
export const METRICS_TOKEN = 'bench-live-metrics-token-0123456789';

export interface FanOutHistogram {
  /** Cumulative counts by upper bound (seconds), Infinity last. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
  /** The instance's V8 heap in use and its external memory (Buffers), MB, at the read: with RSS, tells a leak from a heap not yet collected. */
  heapUsedMb: number | null;
  externalMb: number | null;
}

export async function readFanOut(baseUrl: string): Promise<FanOutHistogram | null> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (!response.ok) return null;
    const text = await response.text();
    const buckets: FanOutHistogram['buckets'] = [];
    let sum = 0;
    let count = 0;
    let heapUsedMb: number | null = null;
    let externalMb: number | null = null;
    const mb = (line: string) => Math.round(Number(line.split(' ')[1]) / 1024 / 102.4) / 10;
    for (const line of text.split('\n')) {
      const bucket = line.match(/^roster_live_fanout_seconds_bucket\{le="([^"]+)"\} (\S+)$/);
      if (bucket) buckets.push({ le: bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), count: Number(bucket[2]) });
      else if (line.startsWith('roster_live_fanout_seconds_sum ')) sum = Number(line.split(' ')[1]);
      else if (line.startsWith('roster_live_fanout_seconds_count ')) count = Number(line.split(' ')[1]);
      else if (line.startsWith('roster_nodejs_heap_size_used_bytes ')) heapUsedMb = mb(line);
      else if (line.startsWith('roster_nodejs_external_memory_bytes ')) externalMb = mb(line);
    }
    return { buckets, sum, count, heapUsedMb, externalMb };
  } catch {
    return null;
  }
}

export interface FanOutSummary {
  /** Events that had listeners on the instance between the two reads. */
  events: number;
  meanMs: number;
  /** Interpolated within the histogram's buckets (as Prometheus's histogram_quantile does): approximate. */
  p50Ms: number;
  p99Ms: number;
}

/** The events observed between `before` and `after`. */
export function fanOutBetween(before: FanOutHistogram | null, after: FanOutHistogram | null): FanOutSummary | null {
  if (!before || !after || after.count <= before.count) return null;
  const buckets = after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) }));
  const events = after.count - before.count;
  const quantile = (q: number) => {
    const rank = q * events;
    let lower = 0;
    let below = 0;
    for (const bucket of buckets) {
      if (bucket.count >= rank) {
        if (bucket.le === Infinity) return lower;
        const inBucket = bucket.count - below;
        return inBucket === 0 ? bucket.le : lower + ((bucket.le - lower) * (rank - below)) / inBucket;
      }
      lower = bucket.le;
      below = bucket.count;
    }
    return lower;
  };
  return {
    events,
    meanMs: ((after.sum - before.sum) / events) * 1000,
    p50Ms: quantile(0.5) * 1000,
    p99Ms: quantile(0.99) * 1000,
  };
}
