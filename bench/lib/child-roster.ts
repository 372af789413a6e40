import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs, processMainThreadCpuMs, type CpuCounter } from './cpu.js';

/**
 * Roster as a child process, the way it runs in production (`main.ts`: config from the environment,
 * migrations, listen), so a benchmark's clients and the server do not share an event loop.
 *
 * `source` (the default) runs packages/server/src/main.ts under tsx from packages/server (its own tsconfig:
 * legacy decorators), so the code measured is the code in the working tree; tsx only compiles modules as they
 * load, nothing at run time. `dist` runs the built `packages/server/dist/main.js` (run `pnpm build` first:
 * a stale build measures old code).
 */
export const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/server');

export interface ChildRoster {
  name: string;
  pid: number;
  baseUrl: string;
  /** CPU time of the child (all its threads), ms. */
  cpuMs: CpuCounter;
  /** CPU time of the child's main thread (JS, GC), ms. */
  mainThreadCpuMs: CpuCounter;
  /** Resident set size of the child now and its peak so far (VmRSS, VmHWM), MB; null when unknown. */
  memory(): { rssMb: number; peakRssMb: number } | null;
  /** ws:// URL of the child's inspector when started with `inspect: true`. */
  inspectorUrl: string | null;
  /** Open file descriptors of the child right now (Linux), or null. */
  openFds(): number | null;
  /** Everything the child printed (for error messages). */
  output(): string;
  /** The child process (its IPC channel, when started with `ipc: true`). */
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ChildRosterOptions {
  mode?: 'source' | 'dist';
  /** Start with `--inspect=127.0.0.1:0` so a RemoteCpuProfiler can attach. */
  inspect?: boolean;
  startTimeoutMs?: number;
  /** A script to run instead of the server's main (absolute path); under tsx in `source` mode. */
  entry?: string;
  /** More node flags (e.g. `--enable-source-maps`, as `pnpm start` runs the built server). */
  nodeArgs?: string[];
  /** Open an IPC channel to the child (`process.send` on both sides). */
  ipc?: boolean;
}

const running = new Set<ChildProcess>();
// Last resort: never leave a server behind, even when the benchmark dies or is interrupted.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startChildRoster(name: string, env: Record<string, string>, options: ChildRosterOptions = {}): Promise<ChildRoster> {
  const mode = options.mode ?? 'source';
  if (mode === 'dist' && !fs.existsSync(path.join(SERVER_DIR, 'dist/main.js')))
    throw new Error('packages/server/dist/main.js does not exist; run `pnpm build` first.');
  const port = await freePort();
  const main = options.entry ?? (mode === 'source' ? 'src/main.ts' : 'dist/main.js');
  const args = [
    ...(options.inspect ? ['--inspect=127.0.0.1:0'] : []),
    ...(options.nodeArgs ?? []),
    ...(mode === 'source' ? ['--import', 'tsx', main] : [main]),
  ];
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !['REDIS_URL', 'DATABASE_URL', 'PUBLIC_URL', 'RESEND_API_KEY'].includes(key)) childEnv[key] = value;
  Object.assign(childEnv, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    // Production requires it; links are not used by the benchmarks.
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'error',
    ROSTER_SEED_DEMO: 'false',
    ROSTER_WEB_DIST: '/nonexistent',
    // Production with DATABASE_URL requires its own key for integration credentials.
    ROSTER_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const child = spawn(process.execPath, args, {
    cwd: SERVER_DIR,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  running.add(child);
  let output = '';
  let inspectorUrl: string | null = null;
  let onInspector: (() => void) | null = null;
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
    const match = output.match(/Debugger listening on (ws:\/\/\S+)/);
    if (match && !inspectorUrl) {
      inspectorUrl = match[1]!;
      onInspector?.();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new Error(`Roster ${name} exited while starting (${JSON.stringify(exited)}):\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Roster ${name} did not answer /healthz within ${(options.startTimeoutMs ?? 90_000) / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (options.inspect && !inspectorUrl) await new Promise<void>((resolve) => (onInspector = resolve));

  return {
    name,
    pid: child.pid!,
    baseUrl,
    cpuMs: processCpuMs(child.pid!),
    mainThreadCpuMs: processMainThreadCpuMs(child.pid!),
    memory() {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = (field: string) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
        const rss = kb('VmRSS');
        const peak = kb('VmHWM');
        return Number.isNaN(rss) ? null : { rssMb: Math.round(rss / 102.4) / 10, peakRssMb: Math.round(peak / 102.4) / 10 };
      } catch {
        return null;
      }
    },
    get inspectorUrl() {
      return inspectorUrl;
    },
    openFds() {
      try {
        return fs.readdirSync(`/proc/${child.pid}/fd`).length;
      } catch {
        return null;
      }
    },
    output: () => output,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The soft and hard limits on open files of this process (children inherit them), from /proc/self/limits. */
export function openFileLimits(): { soft: number | null; hard: number | null } {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line!.replace('Max open files', '').trim().split(/\s+/);
    const parse = (value: string | undefined) => (value === undefined || value === 'unlimited' ? null : Number(value));
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return { soft: null, hard: null };
  }
}
