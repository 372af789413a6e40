import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { CpuCounter } from './cpu.js';

// autocannon is CommonJS without bundled types; this is the part of its API the benchmarks use.
interface AutocannonHistogram {
  totalCount: number;
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  mismatches: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { sent: number };
  throughput: AutocannonHistogram;
  warmup?: AutocannonResult;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One HTTP endpoint under load: the same request is sent over and over. */
export interface LoadTarget {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /**
   * autocannon worker threads. 1 (the default) keeps the load generator off the main thread, where the
   * servers under test run their event loops; 0 runs it on the main thread.
   */
  workers?: number;
  /**
   * CPU-time counters (see cpu.ts) read around each run; each is reported per completed request, e.g.
   * `{ node: mainThreadCpuMs, db: <mariadbd> }`.
   */
  cpuCounters?: Record<string, CpuCounter>;
  /** CPU used by unrelated processes (cpu.ts otherProcessesCpuMs); reported as cores busy during the run. */
  otherCpuMs?: CpuCounter;
}

export interface LoadRun {
  name: string;
  round: number;
  /** Mean of autocannon's per-second samples ("Req/Sec Avg" in its table). */
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyAvgMs: number;
  completed2xx: number;
  /** Requests completed during the warm-up. */
  warmupCompleted: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Problems seen during the warm-up (also counted as failures). */
  warmupProblems: number;
  /** CPU ms per completed request (warm-up included) for each of `options.cpuCounters`. */
  cpuMsPerRequest: Record<string, number>;
  /**
   * Event-loop utilisation of this process's main thread during the run (0..1): the share of time the
   * in-process server was busy rather than waiting for I/O. Near 1 means Node.js itself is the bottleneck.
   */
  eventLoopUtilization: number;
  /** Cores kept busy by unrelated processes during the run (null when unknown). Anything well above 0 means noise. */
  otherLoadCores: number | null;
  statusCodes: Record<string, number>;
}

export interface LoadSummary {
  name: string;
  /** Medians over the rounds. */
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuMsPerRequest: Record<string, number>;
  eventLoopUtilization: number;
  /** Sums over the rounds (warm-ups included). */
  non2xx: number;
  errors: number;
  timeouts: number;
  runs: LoadRun[];
}

/** Warms the target up, then measures it. */
export async function runLoad(target: LoadTarget, options: LoadOptions, round = 1): Promise<LoadRun> {
  const counters = Object.entries(options.cpuCounters ?? {});
  const cpuBefore = counters.map(([, read]) => read());
  const otherBefore = options.otherCpuMs?.() ?? null;
  const startedAt = performance.now();
  const eluBefore = performance.eventLoopUtilization();
  const result = await autocannon({
    url: target.url,
    method: target.method ?? 'POST',
    headers: target.headers ?? {},
    body: target.body,
    connections: options.connections,
    duration: options.durationSeconds,
    workers: options.workers ?? 1,
    warmup: options.warmupSeconds > 0 ? { connections: options.connections, duration: options.warmupSeconds } : undefined,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  });
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpuAfter = counters.map(([, read]) => read());
  const otherAfter = options.otherCpuMs?.() ?? null;
  const wallMs = performance.now() - startedAt;
  const warm = result.warmup;
  const completed = result.latency.totalCount + (warm?.latency.totalCount ?? 0);
  return {
    name: target.name,
    round,
    requestsPerSec: round2(result.requests.average),
    latencyP50Ms: round2(result.latency.p50),
    latencyP99Ms: round2(result.latency.p99),
    latencyAvgMs: round2(result.latency.average),
    completed2xx: result['2xx'],
    warmupCompleted: warm?.latency.totalCount ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    warmupProblems: warm ? warm.non2xx + warm.errors + warm.timeouts : 0,
    cpuMsPerRequest: Object.fromEntries(
      counters.flatMap(([name], i) => {
        const before = cpuBefore[i];
        const after = cpuAfter[i];
        return before == null || after == null || completed === 0 ? [] : [[name, round2((after - before) / completed)]];
      }),
    ),
    eventLoopUtilization: round2(elu.utilization),
    otherLoadCores: otherBefore === null || otherAfter === null ? null : round2(Math.max(0, otherAfter - otherBefore) / wallMs),
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count])),
  };
}

/**
 * Runs the targets in turn, `rounds` times (A, B, A, B, ...), so slow drifts of the machine (thermal,
 * background work, the database's caches) hit every target alike; then takes medians per target.
 */
export async function alternate(
  targets: LoadTarget[],
  rounds: number,
  options: LoadOptions,
  hooks: {
    /** Called before each run (e.g. to start a profiler for one target). */
    beforeRun?: (target: LoadTarget, round: number) => Promise<void> | void;
    /** Called after each run, before the next starts (e.g. to wait until the servers are idle again). */
    afterRun?: (run: LoadRun) => Promise<void> | void;
  } = {},
): Promise<Record<string, LoadSummary>> {
  const runs: LoadRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      await hooks.beforeRun?.(target, round);
      const run = await runLoad(target, options, round);
      runs.push(run);
      await hooks.afterRun?.(run);
    }
  }
  return Object.fromEntries(
    targets.map((target) => [
      target.name,
      summarize(
        target.name,
        runs.filter((run) => run.name === target.name),
      ),
    ]),
  );
}

export function summarize(name: string, runs: LoadRun[]): LoadSummary {
  const sum = (pick: (run: LoadRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    name,
    requestsPerSec: round2(median(runs.map((run) => run.requestsPerSec))),
    latencyP50Ms: round2(median(runs.map((run) => run.latencyP50Ms))),
    latencyP99Ms: round2(median(runs.map((run) => run.latencyP99Ms))),
    cpuMsPerRequest: Object.fromEntries(
      [...new Set(runs.flatMap((run) => Object.keys(run.cpuMsPerRequest)))].map((key) => [
        key,
        round2(median(runs.map((run) => run.cpuMsPerRequest[key]).filter((value): value is number => value !== undefined))),
      ]),
    ),
    eventLoopUtilization: round2(median(runs.map((run) => run.eventLoopUtilization))),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    runs,
  };
}

/** Problems of a summary (non-2xx answers, socket errors, timeouts, warm-up included). */
export function problemCount(summary: LoadSummary): number {
  return summary.non2xx + summary.errors + summary.timeouts + summary.runs.reduce((total, run) => total + run.warmupProblems, 0);
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
