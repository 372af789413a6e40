// Roster for a benchmark that measures the server process itself (its memory, its CPU), started by
// `startMeasuredRoster` (measured-roster.ts) as a child process with an IPC channel.
//
// Like `main.ts` (config from the environment, migrations, listen), plus what the benchmark needs and
// `main.ts` has no switch for: no outbox worker (the emails stay queued), the import runner's batch size,
// and, on request over IPC, the SQL statements of a phase tallied by kind, the event-loop utilisation and
// peak V8 heap of a phase, and a full GC.
//
// Plain JavaScript on purpose: with ROSTER_BENCH_CODE=dist it runs the built server under plain
// `node --enable-source-maps`, as `pnpm start` does, with no tsx in the process. With `source` the parent
// starts it with `--import tsx` from packages/server, so the server's own tsconfig compiles the working tree.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { statementKind } from './statement-kind.mjs';

const code = process.env.ROSTER_BENCH_CODE === 'dist' ? { dir: 'dist', ext: 'js' } : { dir: 'src', ext: 'ts' };
const serverDir = new URL(`../../packages/server/${code.dir}/`, import.meta.url);
const appDir = new URL('app/', serverDir);
const { loadConfig } = await import(new URL(`core/config.${code.ext}`, serverDir).href);
const { startRoster } = await import(new URL(`roster.${code.ext}`, appDir).href);

/** Statements by kind while a phase is open. */
const tally = new Map();
let tallying = false;
const sqlLogger = {
  logQuery(sql) {
    if (!tallying) return;
    const kind = statementKind(sql);
    tally.set(kind, (tally.get(kind) ?? 0) + 1);
  },
  logQueryError() {},
  logQuerySlow() {},
  logSchemaBuild() {},
  logMigration() {},
  log() {},
};

const batchSize = process.env.ROSTER_BENCH_IMPORT_BATCH ? Number(process.env.ROSTER_BENCH_IMPORT_BATCH) : undefined;
const roster = await startRoster(loadConfig(), {
  sqlLogger,
  runOutboxWorker: process.env.ROSTER_BENCH_OUTBOX_WORKER === 'true',
  ...(batchSize ? { importRunner: { batchSize } } : {}),
});

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

let phase = null;
const handlers = {
  info() {
    return { url: roster.url, port: roster.port };
  },
  gc() {
    gc();
    return {};
  },
  phaseStart() {
    tally.clear();
    tallying = true;
    const sample = () => {
      const { heapUsed } = process.memoryUsage();
      if (heapUsed > phase.peakHeapUsed) phase.peakHeapUsed = heapUsed;
    };
    phase = { elu: performance.eventLoopUtilization(), peakHeapUsed: process.memoryUsage().heapUsed, timer: setInterval(sample, 50) };
    return {};
  },
  phaseEnd() {
    tallying = false;
    clearInterval(phase.timer);
    const heapUsed = process.memoryUsage().heapUsed;
    const result = {
      statements: [...tally.entries()].sort((a, b) => b[1] - a[1]),
      eventLoopUtilization: performance.eventLoopUtilization(phase.elu).utilization,
      peakHeapUsed: Math.max(phase.peakHeapUsed, heapUsed),
    };
    phase = null;
    return result;
  },
  async stop() {
    await roster.stop();
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async (message) => {
  try {
    const handler = handlers[message.command];
    if (!handler) throw new Error(`unknown command ${message.command}`);
    process.send({ id: message.id, ok: true, value: await handler() });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.once('SIGTERM', () => void handlers.stop());
