import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_DIR, startChildRoster, type ChildRoster } from './child-roster.js';
import { processMemory, type MemorySource } from './phase.js';

/**
 * Roster in a child process of its own (`roster-server.mjs`), so that what a benchmark measures of "the
 * server" is the server process alone: its RSS (not the benchmark's tsx, CSV text, baseline and harness),
 * its main-thread CPU and event loop. Over an IPC channel the child tallies the SQL statements of a phase
 * by kind, reports its peak V8 heap and event-loop use, and runs a full GC on request.
 */
export type RosterCode = 'source' | 'dist';

export interface MeasuredRoster {
  child: ChildRoster;
  /** Base URL on 127.0.0.1. */
  baseUrl: string;
  /** The URL Roster puts in links (its PUBLIC_URL). */
  publicUrl: string;
  code: RosterCode;
  memory: MemorySource;
  /** Full GC in the child. */
  collectGarbage(): Promise<void>;
  /** Opens a phase in the child: SQL tally, event-loop utilisation, heap sampling. */
  phaseStart(): Promise<void>;
  phaseEnd(): Promise<ChildPhase>;
  stop(): Promise<void>;
}

export interface ChildPhase {
  /** SQL statements by kind, most frequent first. */
  statements: Array<[string, number]>;
  eventLoopUtilization: number;
  peakHeapUsed: number;
}

const ENTRY = fileURLToPath(new URL('./roster-server.mjs', import.meta.url));

export async function startMeasuredRoster(
  databaseUrl: string,
  options: { code?: RosterCode; importBatchSize?: number; outboxWorker?: boolean; inspect?: boolean; env?: Record<string, string> } = {},
): Promise<MeasuredRoster> {
  const code = options.code ?? 'source';
  const child = await startChildRoster(
    'import',
    {
      DATABASE_URL: databaseUrl,
      ROSTER_BENCH_CODE: code,
      ROSTER_BENCH_OUTBOX_WORKER: String(options.outboxWorker ?? false),
      ...(options.importBatchSize ? { ROSTER_BENCH_IMPORT_BATCH: String(options.importBatchSize) } : {}),
      ...options.env,
    },
    // `pnpm start` runs the built server with --enable-source-maps; the source runs under tsx (which maps too).
    {
      mode: code,
      inspect: options.inspect,
      entry: path.relative(SERVER_DIR, ENTRY),
      ipc: true,
      nodeArgs: code === 'dist' ? ['--enable-source-maps'] : [],
    },
  );
  let nextId = 1;
  const request = <T>(command: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (message: { id?: number; ok: boolean; value: T; error?: string }) => {
        if (message.id !== id) return;
        child.process.off('message', onMessage);
        if (message.ok) resolve(message.value);
        else reject(new Error(`Roster child, ${command}: ${message.error}`));
      };
      child.process.on('message', onMessage);
      child.process.send({ id, command });
    });

  const info = await request<{ url: string }>('info');
  return {
    child,
    baseUrl: child.baseUrl,
    publicUrl: info.url,
    code,
    memory: processMemory(child.pid),
    collectGarbage: () => request('gc'),
    phaseStart: () => request('phaseStart'),
    phaseEnd: () => request<ChildPhase>('phaseEnd'),
    stop: () => child.stop(),
  };
}

/**
 * Builds packages/server (`tsc -p tsconfig.build.json`, what `pnpm build` runs for the server), so a `dist` run
 * measures the working tree's code. Throws with the compiler's output when the build fails.
 */
export function buildServer(): { ms: number } {
  const started = Date.now();
  const tsc = createRequire(path.join(SERVER_DIR, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: SERVER_DIR, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `Building packages/server failed (BENCH_IMPORT_SERVER=source runs the sources under tsx instead):\n${`${result.stdout}${result.stderr}`.slice(-4000)}`,
    );
  }
  return { ms: Date.now() - started };
}
