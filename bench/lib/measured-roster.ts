import fs from 'node:fs';
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
    { mode: code, inspect: options.inspect, entry: path.relative(SERVER_DIR, ENTRY), ipc: true, nodeArgs: code === 'dist' ? ['--enable-source-maps'] : [] },
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

/** When a server source file is newer than the build, a `dist` run would measure old code: say which. */
export function staleBuildWarning(): string | null {
  const built = fs.statSync(path.join(SERVER_DIR, 'dist/main.js'), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return 'packages/server/dist does not exist; run `pnpm build` first.';
  const newer = fs
    .readdirSync(path.join(SERVER_DIR, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .filter((file) => fs.statSync(path.join(SERVER_DIR, 'src', file)).mtimeMs > built);
  return newer.length ? `the build is older than ${newer.length} source file(s) (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', ...' : ''}); run \`pnpm build\` to measure the current code.` : null;
}
