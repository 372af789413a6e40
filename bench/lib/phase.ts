import { performance } from 'node:perf_hooks';
import type { CpuCounter } from './cpu.js';

/**
 * Measures one phase of a benchmark that is not a load run (an import, a batch of inserts): wall time,
 * CPU of this process's main thread and of the database server, cores kept busy by unrelated processes,
 * event-loop utilisation, and the resident set size of this process sampled every `rssIntervalMs`.
 */
export interface PhaseCounters {
  node?: CpuCounter;
  db?: CpuCounter | null;
  other?: CpuCounter | null;
}

export interface PhaseResult<T> {
  value: T;
  wallMs: number;
  /** CPU ms of the main thread / the database server during the phase (null when unknown). */
  nodeCpuMs: number | null;
  dbCpuMs: number | null;
  /** Average number of cores unrelated processes kept busy during the phase (null when unknown). */
  otherLoadCores: number | null;
  eventLoopUtilization: number;
  rss: RssSummary;
}

export interface RssSummary {
  /** RSS when the phase began, its peak during the phase, and at its end, in MB. */
  startMb: number;
  peakMb: number;
  endMb: number;
  /** Peak of V8's used heap during the phase, in MB (RSS also holds freed-but-kept heap pages, code, buffers). */
  peakHeapUsedMb: number;
  samples: number;
  intervalMs: number;
}

/**
 * Samples `process.memoryUsage.rss()` on a timer. The timer runs on the main thread, so while a long
 * synchronous stretch runs no sample is taken; the phase's end is always sampled.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private peakHeap = 0;
  private count = 0;
  private first = 0;

  constructor(private readonly intervalMs = 50) {}

  start(): void {
    const usage = process.memoryUsage();
    this.first = usage.rss;
    this.peak = this.first;
    this.peakHeap = usage.heapUsed;
    this.count = 1;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  private sample(): number {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > this.peak) this.peak = rss;
    if (heapUsed > this.peakHeap) this.peakHeap = heapUsed;
    this.count++;
    return rss;
  }

  stop(): RssSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const end = this.sample();
    return { startMb: mb(this.first), peakMb: mb(this.peak), endMb: mb(end), peakHeapUsedMb: mb(this.peakHeap), samples: this.count, intervalMs: this.intervalMs };
  }
}

export async function measurePhase<T>(counters: PhaseCounters, work: () => Promise<T>, rssIntervalMs = 50): Promise<PhaseResult<T>> {
  const read = (counter: CpuCounter | null | undefined) => (counter ? counter() : null);
  const nodeBefore = read(counters.node);
  const dbBefore = read(counters.db);
  const otherBefore = read(counters.other);
  const eluBefore = performance.eventLoopUtilization();
  const sampler = new RssSampler(rssIntervalMs);
  sampler.start();
  const startedAt = performance.now();
  let value: T;
  let rss: RssSummary;
  try {
    value = await work();
  } finally {
    rss = sampler.stop();
  }
  const wallMs = performance.now() - startedAt;
  const elu = performance.eventLoopUtilization(eluBefore).utilization;
  const diff = (before: number | null, after: number | null) => (before === null || after === null ? null : Math.max(0, after - before));
  const other = diff(otherBefore, read(counters.other));
  return {
    value,
    wallMs: round(wallMs),
    nodeCpuMs: diff(nodeBefore, read(counters.node)),
    dbCpuMs: diff(dbBefore, read(counters.db)),
    otherLoadCores: other === null ? null : round(other / wallMs),
    eventLoopUtilization: round(elu),
    rss,
  };
}

let gcFunction: (() => void) | null | undefined;

/**
 * Runs a full garbage collection when possible (without --expose-gc on the command line: the flag is set
 * at run time and \`gc\` taken from a fresh context), so a phase's RSS does not start with the last one's garbage.
 * Returns false when it could not.
 */
export async function collectGarbage(): Promise<boolean> {
  if (gcFunction === undefined) {
    try {
      const v8 = await import('node:v8');
      const vm = await import('node:vm');
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFunction = null;
    }
  }
  if (!gcFunction) return false;
  gcFunction();
  return true;
}

export function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
