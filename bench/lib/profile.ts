import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/**
 * CPU profiling of this process's main thread (where in-process servers run), through the inspector.
 * The .cpuprofile opens in Chrome DevTools (Performance tab) or speedscope; `summarizeProfile` prints
 * where the self time went, by package and by function.
 */
export class CpuProfiler {
  private session: Session | null = null;

  async start(samplingIntervalUs = 200): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.session.post('Profiler.start');
  }

  /** Stops, writes the profile to `file`, and returns it. */
  async stop(file: string): Promise<CpuProfile> {
    if (!this.session) throw new Error('The profiler was not started.');
    const { profile } = (await this.session.post('Profiler.stop')) as { profile: CpuProfile };
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    this.session = null;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return profile;
  }
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a file belongs: an npm package (pnpm store path), a Roster source folder, or Node internals. */
export function ownerOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  const pnpm = url.match(/node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pnpm) return pnpm[1]!;
  const plain = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (plain) return plain[1]!;
  const roster = url.match(/packages\/server\/src\/([^/]+)/);
  if (roster) return `roster:${roster[1]}`;
  const bench = url.match(/\/bench\/(.+)$/);
  if (bench) return `bench:${bench[1]!.split('?')[0]}`;
  if (url.startsWith('node:')) return 'node:internals';
  return url.replace(/^file:\/\//, '');
}

/** Self time by package and by function, in ms and % of the profile's non-idle time. */
export function summarizeProfile(profile: CpuProfile, top = 15): { byOwner: Array<[string, number]>; byFunction: Array<[string, number]>; busyMs: number } {
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += us;
    const owner = functionName === '(garbage collector)' ? '(garbage collector)' : ownerOf(url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${owner}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { byOwner: sorted(byOwner), byFunction: sorted(byFunction), busyMs: busy / 1000 };
}

export function printProfileSummary(profile: CpuProfile, requests: number, top = 15): void {
  const { byOwner, byFunction, busyMs } = summarizeProfile(profile, top);
  const perRequest = (ms: number) => (requests > 0 ? `${((ms / requests) * 1000).toFixed(0).padStart(6)} us/req` : '');
  const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1).padStart(5)}%`;
  console.log(`  main thread busy ${busyMs.toFixed(0)} ms over ${requests} requests (${perRequest(busyMs).trim()})`);
  console.log('  self time by package:');
  for (const [owner, ms] of byOwner) console.log(`    ${pct(ms)} ${perRequest(ms)}  ${owner}`);
  console.log('  self time by function:');
  for (const [fn, ms] of byFunction) console.log(`    ${pct(ms)} ${perRequest(ms)}  ${fn}`);
}
