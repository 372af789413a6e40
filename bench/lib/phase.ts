import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CpuCounter } from './cpu.js';

/**
 * Measures one phase of a benchmark that is not a load run (an import, a batch of inserts): wall time,
 * CPU of the process doing the work and of the database server, cores kept busy by unrelated processes,
 * event-loop utilisation, and the resident set size of the process doing the work (this one, or a Roster
 * child process), sampled every `intervalMs` and taken from the kernel's own peak.
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
  /** The kernel's peak RSS of the process over the phase (VmHWM, reset when the phase began), MB; null when unavailable. */
  kernelPeakMb: number | null;
  /** Peak of V8's used heap during the phase, in MB (RSS also holds freed-but-kept heap pages, code, buffers); null when not readable here. */
  peakHeapUsedMb: number | null;
  samples: number;
  intervalMs: number;
}

/** Where a phase's memory is read: a process's RSS now, its kernel-tracked peak, and (for this process) the V8 heap. */
export interface MemorySource {
  /** Resident set size now, bytes; null when it cannot be read. */
  rss(): number | null;
  /** Resets the kernel's peak RSS of the process (Linux: `echo 5 > /proc/<pid>/clear_refs`); false when it could not. */
  resetPeak(): boolean;
  /** The kernel's peak RSS since the last reset (VmHWM), bytes; null when unknown. */
  kernelPeak(): number | null;
  /** V8's used heap now, bytes, when this process can read it. */
  heapUsed?(): number;
}

/** The memory of a process by its pid, from /proc (Linux). */
export function processMemory(pid: number | 'self'): MemorySource {
  const field = (name: string): number | null => {
    try {
      const kb = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1];
      return kb === undefined ? null : Number(kb) * 1024;
    } catch {
      return null;
    }
  };
  return {
    rss: () => field('VmRSS'),
    kernelPeak: () => field('VmHWM'),
    resetPeak: () => {
      try {
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** This process: RSS from Node.js (works everywhere), the kernel's peak from /proc, and the V8 heap. */
export const thisProcessMemory: MemorySource = {
  ...processMemory('self'),
  rss: () => process.memoryUsage.rss(),
  heapUsed: () => process.memoryUsage().heapUsed,
};

/**
 * Samples a process's RSS on a timer, and resets the kernel's peak at the start so that VmHWM at the end
 * is the phase's true peak (a sample can miss a short spike; the kernel does not). The timer runs on this
 * process's main thread: while a long synchronous stretch runs here no sample is taken; the end is always
 * sampled.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private peakHeap = 0;
  private count = 0;
  private first = 0;
  private peakReset = false;

  constructor(
    private readonly memory: MemorySource = thisProcessMemory,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    this.peakReset = this.memory.resetPeak();
    this.first = this.memory.rss() ?? 0;
    this.peak = this.first;
    this.peakHeap = this.memory.heapUsed?.() ?? 0;
    this.count = 1;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  private sample(): number {
    const rss = this.memory.rss() ?? 0;
    if (rss > this.peak) this.peak = rss;
    const heapUsed = this.memory.heapUsed?.() ?? 0;
    if (heapUsed > this.peakHeap) this.peakHeap = heapUsed;
    this.count++;
    return rss;
  }

  stop(): RssSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const end = this.sample();
    const kernelPeak = this.peakReset ? this.memory.kernelPeak() : null;
    return {
      startMb: mb(this.first),
      peakMb: mb(Math.max(this.peak, kernelPeak ?? 0)),
      endMb: mb(end),
      kernelPeakMb: kernelPeak === null ? null : mb(kernelPeak),
      peakHeapUsedMb: this.memory.heapUsed ? mb(this.peakHeap) : null,
      samples: this.count,
      intervalMs: this.intervalMs,
    };
  }
}

export interface PhaseOptions {
  /** Whose memory to measure (default this process). */
  memory?: MemorySource;
  /** Whose event-loop utilisation to report, when not this process's (e.g. a child's, read over IPC after the phase). */
  eventLoopUtilization?: () => Promise<number>;
  intervalMs?: number;
}

export async function measurePhase<T>(
  counters: PhaseCounters,
  work: () => Promise<T>,
  options: PhaseOptions = {},
): Promise<PhaseResult<T>> {
  const read = (counter: CpuCounter | null | undefined) => (counter ? counter() : null);
  const nodeBefore = read(counters.node);
  const dbBefore = read(counters.db);
  const otherBefore = read(counters.other);
  const eluBefore = performance.eventLoopUtilization();
  const sampler = new RssSampler(options.memory, options.intervalMs ?? 50);
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
    eventLoopUtilization: round(options.eventLoopUtilization ? await options.eventLoopUtilization() : elu),
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
