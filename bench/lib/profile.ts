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
export function summarizeProfile(
  profile: CpuProfile,
  top = 15,
): { byOwner: Array<[string, number]>; byFunction: Array<[string, number]>; busyMs: number } {
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
  const sorted = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, v / 1000] as [string, number]);
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

/** The part of the `ws` WebSocket API used here (ws is a dependency of packages/server, not of the root). */
export interface MinimalWebSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * CPU profiling of another Node.js process (e.g. a Roster child started with `--inspect=127.0.0.1:0`),
 * over the inspector's WebSocket (Chrome DevTools Protocol), so a profile covers exactly the measured part
 * and not the process's start-up.
 */
export class RemoteCpuProfiler {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: MinimalWebSocket) {
    socket.on('message', (data: unknown) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(inspectorUrl: string): Promise<RemoteCpuProfiler> {
    const { createRequire } = await import('node:module');
    const WebSocket = createRequire(new URL('../../packages/server/package.json', import.meta.url))('ws') as new (
      url: string,
    ) => MinimalWebSocket;
    const socket = new WebSocket(inspectorUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RemoteCpuProfiler(socket);
  }

  private send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(samplingIntervalUs = 500): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.send('Profiler.start');
  }

  async stop(file: string): Promise<CpuProfile> {
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    await this.send('Profiler.disable');
    this.socket.close();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return profile;
  }
}
