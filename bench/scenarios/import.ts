import mysql from 'mysql2/promise';
import { createDataSource } from '../../packages/server/src/app/db/data-source.js';
import { IMPORT_BATCH_SIZE } from '../../packages/server/src/imports/import-runner.js';
import { runImportBaseline } from '../baselines/import-sql.js';
import { databaseCpuCounter, mainThreadCpuMs, otherProcessesCpuMs, type CpuCounter } from '../lib/cpu.js';
import { waitForFlushedBufferPool, withThrowawayDatabase, type ThrowawayDatabase } from '../lib/mariadb.js';
import { buildServer, startMeasuredRoster, type ChildPhase, type MeasuredRoster, type RosterCode } from '../lib/measured-roster.js';
import { collectGarbage, mb, measurePhase, thisProcessMemory, type PhaseCounters, type PhaseResult } from '../lib/phase.js';
import { CpuProfiler, printProfileSummary, RemoteCpuProfiler } from '../lib/profile.js';
import { gitRevision, machineInfo, printTable, RESULTS_DIR, writeResult } from '../lib/report.js';
import { postGraphQL, signIn } from '../lib/roster.js';
import { prng, seedAccount, type SeededAccount } from '../lib/seed.js';

/**
 * Import benchmark: 50,000 CSV rows through Roster's real import path (upload = preview, then startImport
 * and the background import runner), against a mysql2 baseline writing the same rows into the same tables,
 * each on its own fresh database with Roster's schema. Roster runs as a child process of its own, so its
 * memory and CPU are the server's alone; the baseline runs in this process.
 */

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 50_000);
/** Roster's import runner batch size; unset = Roster's default (IMPORT_BATCH_SIZE). The baseline commits the same batches. */
const BATCH_SIZE = process.env.BENCH_IMPORT_BATCH ? Number(process.env.BENCH_IMPORT_BATCH) : undefined;
const EXISTING_USERS = 1_000;
const TARGETS = { ratio: 0.5, previewSeconds: 3, peakRssMb: 300 } as const;
/** BENCH_PROFILE=preview|import|baseline: CPU-profile that phase (the second baseline run); the profiler slows it, do not quote its figures. */
const PROFILE = process.env.BENCH_PROFILE ?? '';
if (PROFILE && !['preview', 'import', 'baseline'].includes(PROFILE))
  throw new Error(`Unknown BENCH_PROFILE="${PROFILE}" (known: preview, import, baseline).`);
const IMPORT_TIMEOUT_MS = 20 * 60_000;
/** No batch committed for this long means the runner is failing (its errors are in Roster's output). */
const STALL_MS = 60_000;
/**
 * BENCH_IMPORT_SERVER=dist (default): Roster as `pnpm start` runs it, the server built first from the working
 * tree; source: the sources under tsx (whose compiled code and source maps add about 40 MB to the process).
 */
const SERVER_CODE = (process.env.BENCH_IMPORT_SERVER ?? 'dist') as RosterCode;
if (!['source', 'dist'].includes(SERVER_CODE)) throw new Error(`Unknown BENCH_IMPORT_SERVER="${SERVER_CODE}" (known: source, dist).`);

const FIRST = [
  'amara',
  'ben',
  'chloe',
  'dev',
  'elena',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kai',
  'lena',
  'mateo',
  'nora',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tara',
];
const LAST = [
  'okafor',
  'schmidt',
  'nakamura',
  'patel',
  'rossi',
  'haddad',
  'kim',
  'lefevre',
  'silva',
  'berg',
  'moreau',
  'novak',
  'garcia',
  'chen',
  'walsh',
];

/** `email,name,role`, every email new to the account (the seeded users live on other domains). */
export function importCsv(rows: number, seed = 7): string {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const cap = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const lines = ['email,name,role'];
  for (let i = 1; i <= rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    lines.push(
      `${first}.${last}.${i}@import-${String(i % 40).padStart(2, '0')}.test,${cap(first)} ${cap(last)},${random() < 0.05 ? 'Administrator' : 'Member'}`,
    );
  }
  return lines.join('\r\n') + '\r\n';
}

interface WrittenRows {
  memberships: number;
  invitations: number;
  outboxEmails: number;
  auditEvents: number;
  outboxBytes: number;
}

/** What an import wrote: the rows of the CSV's users in each table (seeded users excluded). */
async function writtenRows(databaseUrl: string): Promise<WrittenRows> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query(`SELECT
      (SELECT COUNT(*) FROM memberships WHERE email LIKE '%@import-%' AND status = 'INVITED' AND source = 'CSV') AS memberships,
      (SELECT COUNT(*) FROM invitations WHERE email LIKE '%@import-%' AND state = 'PENDING' AND delivery_status = 'QUEUED') AS invitations,
      (SELECT COUNT(*) FROM outbox_emails WHERE to_address LIKE '%@import-%' AND state = 'PENDING') AS outboxEmails,
      (SELECT COUNT(*) FROM audit_events WHERE target_email LIKE '%@import-%' AND action = 'user.invited') AS auditEvents,
      (SELECT COALESCE(SUM(LENGTH(html) + LENGTH(text_body) + LENGTH(subject)), 0) FROM outbox_emails) AS outboxBytes`);
    const row = (rows as Array<Record<string, string | number>>)[0]!;
    return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as WrittenRows;
  } finally {
    await connection.end();
  }
}

/** Roster's schema on a database without starting Roster (the baseline's side). */
async function migrate(databaseUrl: string): Promise<number> {
  const dataSource = await createDataSource({ kind: 'mysql', url: databaseUrl });
  await dataSource.initialize();
  try {
    return (await dataSource.runMigrations({ transaction: 'each' })).length;
  } finally {
    await dataSource.destroy();
  }
}

/** Rows done over time (a point each time the count changes): shows whether a side slows down as the tables grow. */
class Timeline {
  readonly points: Array<[seconds: number, rows: number]> = [[0, 0]];
  private readonly started = Date.now();

  add(rows: number, force = false): void {
    const seconds = (Date.now() - this.started) / 1000;
    if (force || rows !== this.points.at(-1)![1]) this.points.push([Math.round(seconds * 100) / 100, rows]);
  }

  /** rows/s over the first and the last fifth of the rows. */
  rates(total: number): { firstFifth: number; lastFifth: number } {
    const at = (rows: number) => {
      const point = this.points.find(([, done]) => done >= rows) ?? this.points.at(-1)!;
      return point;
    };
    const [t1, r1] = at(total / 5);
    const [t4, r4] = at((total * 4) / 5);
    const [tEnd, rEnd] = this.points.at(-1)!;
    return { firstFifth: Math.round(r1 / Math.max(t1, 0.001)), lastFifth: Math.round((rEnd - r4) / Math.max(tEnd - t4, 0.001)) };
  }
}

/** CPU counters of a phase: `node` is the main thread of the process doing the work (this one, or the Roster child). */
async function counters(
  databaseUrl: string,
  worker: { mainThread: CpuCounter; wholeProcess?: CpuCounter } = { mainThread: mainThreadCpuMs },
): Promise<PhaseCounters> {
  const db = await databaseCpuCounter(databaseUrl);
  return {
    node: worker.mainThread,
    db,
    other: otherProcessesCpuMs([...(db ? [db] : []), ...(worker.wholeProcess ? [worker.wholeProcess] : [])]),
  };
}

export default async function main(): Promise<void> {
  const batchSize = BATCH_SIZE ?? IMPORT_BATCH_SIZE;
  console.log(
    `Import benchmark: ${ROWS.toLocaleString('en')} CSV rows, Roster's import (preview + background runner) vs raw mysql2 multi-row INSERTs`,
  );
  const csv = importCsv(ROWS);
  const csvBytes = Buffer.byteLength(csv);
  const code = gitRevision();
  console.log(`- code: ${code.commit ?? 'unknown'}${code.serverDirty ? ' + uncommitted changes in packages/server' : ''}`);
  console.log(`- CSV: ${ROWS.toLocaleString('en')} rows, ${(csvBytes / 1024 / 1024).toFixed(1)} MB (email,name,role; all new users)`);
  const modulesRssMb = mb(process.memoryUsage.rss());
  await withThrowawayDatabase((rosterDb) =>
    withThrowawayDatabase((firstBaselineDb) =>
      withThrowawayDatabase(async (secondBaselineDb) => {
        console.log(
          `- databases ${rosterDb.name} (Roster), ${firstBaselineDb.name} and ${secondBaselineDb.name} (baseline runs 1 and 2); the baseline runs in this process (${process.pid})`,
        );
        await run({ csv, csvBytes, batchSize, rosterDb, baselineDbs: [firstBaselineDb, secondBaselineDb], modulesRssMb });
      }),
    ),
  );
}

type BaselineRun = PhaseResult<{ statements: number; transactions: number }> & { timeline: Timeline; written: WrittenRows };
type RosterPhase<T> = PhaseResult<T> & { statements: Array<[string, number]>; statementCount: number };

async function run(setup: {
  csv: string;
  csvBytes: number;
  batchSize: number;
  rosterDb: ThrowawayDatabase;
  baselineDbs: ThrowawayDatabase[];
  modulesRssMb: number;
}): Promise<void> {
  const { csv, csvBytes, batchSize, rosterDb, baselineDbs, modulesRssMb } = setup;
  let roster: MeasuredRoster | null = null;
  /** BENCH_PROFILE=baseline profiles this process; preview and import profile the Roster child over its inspector. */
  const profiled = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    if (PROFILE !== phase) return work();
    const profiler = phase === 'baseline' ? new CpuProfiler() : await RemoteCpuProfiler.connect(roster!.child.inspectorUrl!);
    await profiler.start(1000);
    try {
      return await work();
    } finally {
      const file = `${RESULTS_DIR}/import-${phase}.cpuprofile`;
      const profile = await profiler.stop(file);
      console.log(`  CPU profile of the ${phase} written to ${file} (the profiler slows this phase: do not quote its figures)`);
      printProfileSummary(profile, ROWS / 1000, 25);
      console.log('  (us/req above = microseconds per 1,000 rows)');
    }
  };
  /**
   * Before each phase: no garbage of the last one in either process, and InnoDB done flushing most of the
   * last phase's pages (waits at most 30 s; the share still dirty is recorded, as the server is shared).
   */
  const dirtyAtStart: Record<string, number> = {};
  const settle = async (phase: string) => {
    await collectGarbage();
    await roster?.collectGarbage();
    const flushed = await waitForFlushedBufferPool(rosterDb.url);
    dirtyAtStart[phase] = flushed.dirtyPercent;
    console.log(
      `  (before the ${phase}: waited ${(flushed.waitedMs / 1000).toFixed(1)} s for InnoDB to flush; ${flushed.dirtyPercent}% of the buffer pool still dirty)`,
    );
  };
  try {
    if (SERVER_CODE === 'dist') console.log(`- built packages/server from the working tree (${(buildServer().ms / 1000).toFixed(1)} s)`);
    let started = Date.now();
    // The invitation emails stay queued in outbox_emails (no outbox worker), as in the baseline.
    roster = await startMeasuredRoster(rosterDb.url, {
      code: SERVER_CODE,
      importBatchSize: BATCH_SIZE,
      inspect: PROFILE === 'preview' || PROFILE === 'import',
    });
    const seeded = await seedAccount(rosterDb.url, { users: EXISTING_USERS });
    console.log(
      `- Roster started as process ${roster.child.pid} (${SERVER_CODE === 'dist' ? 'packages/server/dist under node --enable-source-maps, as `pnpm start`' : 'packages/server/src under tsx'}) on ${rosterDb.name} ` +
        `(migrations applied), seeded ${EXISTING_USERS.toLocaleString('en')} existing users (${Date.now() - started} ms)`,
    );
    started = Date.now();
    const baselineSeeds: SeededAccount[] = [];
    for (const db of baselineDbs) {
      const migrations = await migrate(db.url);
      baselineSeeds.push(await seedAccount(db.url, { users: EXISTING_USERS }));
      console.log(`- ${db.name}: ${migrations} Roster migrations applied, the same account seeded`);
    }
    const { cookie, role } = await signIn(roster.baseUrl, seeded.admin.email, seeded.admin.password);
    console.log(`- signed in to Roster as ${seeded.admin.email} (${role})`);
    await collectGarbage();
    await roster.collectGarbage();
    const rss = { benchMb: mb(process.memoryUsage.rss()), rosterIdleMb: mb(roster.memory.rss() ?? 0) };
    console.log(
      `- RSS after a full GC: Roster's process ${rss.rosterIdleMb} MB started and idle; this process (tsx, the harness, the CSV, the baseline's code) ${rss.benchMb} MB (${modulesRssMb} MB with the modules loaded)`,
    );
    const publicUrl = roster.publicUrl;

    const runBaseline = async (index: number): Promise<BaselineRun> => {
      const db = baselineDbs[index]!;
      const seed = baselineSeeds[index]!;
      const timeline = new Timeline();
      await settle(`baseline run ${index + 1}`);
      const phaseCounters = await counters(db.url);
      const measure = () =>
        measurePhase(
          phaseCounters,
          () =>
            runImportBaseline({
              databaseUrl: db.url,
              accountId: seed.accountId,
              accountName: 'Bench MSP',
              inviterPersonId: seed.admin.personId,
              inviterName: 'Alex Admin',
              invitationLifetimeDays: 7,
              publicUrl,
              batchSize,
              csv,
              onProgress: (rows) => timeline.add(rows, rows === ROWS),
            }),
          { memory: thisProcessMemory },
        );
      // The profile (BENCH_PROFILE=baseline) is of the second run.
      const phase = index === 1 ? await profiled('baseline', measure) : await measure();
      const written = await writtenRows(db.url);
      console.log(
        `- baseline run ${index + 1}: ${(phase.wallMs / 1000).toFixed(2)} s, ${phase.value.statements} SQL statements in ${phase.value.transactions} transactions`,
      );
      return { ...phase, timeline, written };
    };

    /** A phase of Roster's: CPU, event loop and memory of its process; its SQL statements tallied by kind in the child. */
    const rosterCounters = await counters(rosterDb.url, { mainThread: roster.child.mainThreadCpuMs, wholeProcess: roster.child.cpuMs });
    const measureRoster = async <T>(work: () => Promise<T>): Promise<RosterPhase<T>> => {
      const server = roster!;
      let child: ChildPhase | null = null;
      await server.phaseStart();
      const phase = await measurePhase(rosterCounters, work, {
        memory: server.memory,
        eventLoopUtilization: async () => (child = await server.phaseEnd()).eventLoopUtilization,
      });
      const { statements, peakHeapUsed } = child as unknown as ChildPhase;
      return {
        ...phase,
        rss: { ...phase.rss, peakHeapUsedMb: mb(peakHeapUsed) },
        statements,
        statementCount: statements.reduce((sum, [, n]) => sum + n, 0),
      };
    };

    // 1. Baseline, run 1 (the baseline runs before and after Roster, so a drift of the machine hits both sides).
    const firstBaseline = await runBaseline(0);

    // 2. Preview: upload the file; Roster parses it and stores every row with its verdict.
    await settle('preview');
    const preview = await profiled('preview', () =>
      measureRoster(async () => {
        const response = await fetch(`${roster!.baseUrl}/api/imports?fileName=bench.csv`, {
          method: 'POST',
          headers: { 'content-type': 'text/csv', 'x-roster-upload': '1', cookie },
          body: csv,
        });
        const body = (await response.json()) as { job?: { id: string; state: string; totalRows: number }; error?: unknown };
        if (response.status !== 201 || !body.job)
          throw new Error(`The upload answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
        return body.job;
      }),
    );
    const job = preview.value;
    const totals = await postGraphQL<{ importJob: { totals: { total: number; new: number; invalid: number; duplicate: number } } }>(
      `${roster.baseUrl}/graphql`,
      `query($id: ID!) { importJob(id: $id) { totals { total new invalid duplicate } } }`,
      { cookie, variables: { id: job.id } },
    );
    const verdicts = totals.body.data?.importJob.totals;
    if (job.totalRows !== ROWS || verdicts?.new !== ROWS) {
      throw new Error(
        `The preview should have ${ROWS} NEW rows; it has totalRows ${job.totalRows}, totals ${JSON.stringify(verdicts ?? totals.body)}.`,
      );
    }
    console.log(
      `- preview: ${(preview.wallMs / 1000).toFixed(2)} s for ${ROWS.toLocaleString('en')} rows, all NEW (${preview.statementCount} SQL statements), peak RSS of Roster's process ${preview.rss.peakMb} MB`,
    );

    // 3. Import: startImport, then the background runner (batch by batch) until the job is FINISHED.
    const progress = await mysql.createConnection({ uri: rosterDb.url, dateStrings: true });
    let importTimes: { startedAt: string; finishedAt: string } | null = null;
    const rosterTimeline = new Timeline();
    await settle('import');
    const imported = await profiled('import', () =>
      measureRoster(async () => {
        const startedImport = await postGraphQL<{ startImport: { job: { id: string; state: string } } }>(
          `${roster!.baseUrl}/graphql`,
          `mutation($id: ID!) { startImport(input: { jobId: $id, sendEmails: true }) { job { id state } } }`,
          { cookie, variables: { id: job.id } },
        );
        if (startedImport.body.errors || startedImport.body.data?.startImport.job.state !== 'RUNNING') {
          throw new Error(`startImport failed: ${JSON.stringify(startedImport.body).slice(0, 500)}`);
        }
        const deadline = Date.now() + IMPORT_TIMEOUT_MS;
        let lastReport = Date.now();
        let [lastProcessed, lastProgressAt] = [0, Date.now()];
        for (;;) {
          const [rows] = await progress.query(
            'SELECT state, processed_rows AS processed, started_at AS startedAt, finished_at AS finishedAt FROM import_jobs WHERE id = ?',
            [job.id],
          );
          const state = (rows as Array<{ state: string; processed: number; startedAt: string; finishedAt: string | null }>)[0]!;
          if (state.state === 'FINISHED') {
            importTimes = { startedAt: state.startedAt, finishedAt: state.finishedAt! };
            rosterTimeline.add(ROWS, true);
            return;
          }
          rosterTimeline.add(Number(state.processed));
          if (state.state !== 'RUNNING') throw new Error(`The import ended in state ${state.state}.`);
          if (Date.now() > deadline)
            throw new Error(`The import did not finish within ${IMPORT_TIMEOUT_MS / 60_000} minutes (${state.processed} rows done).`);
          if (Number(state.processed) !== lastProcessed) [lastProcessed, lastProgressAt] = [Number(state.processed), Date.now()];
          else if (Date.now() - lastProgressAt > STALL_MS) {
            throw new Error(
              `The import made no progress for ${STALL_MS / 1000} s (${state.processed} rows done). Roster's output:\n${roster!.child.output().slice(-4000)}`,
            );
          }
          if (Date.now() - lastReport > 10_000) {
            lastReport = Date.now();
            console.log(`  ... ${Number(state.processed).toLocaleString('en')} rows imported`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }),
    );
    await progress.end();
    const times = importTimes as unknown as { startedAt: string; finishedAt: string };
    const serverImportMs = Date.parse(times.finishedAt.replace(' ', 'T') + 'Z') - Date.parse(times.startedAt.replace(' ', 'T') + 'Z');
    const rosterRows = await writtenRows(rosterDb.url);
    console.log(
      `- import: ${(imported.wallMs / 1000).toFixed(2)} s from startImport to FINISHED (job's own started_at..finished_at: ${(serverImportMs / 1000).toFixed(2)} s), peak RSS of Roster's process ${imported.rss.peakMb} MB`,
    );
    const rosterPid = roster.child.pid;
    await roster.stop();
    roster = null;

    // 4. Baseline, run 2.
    const secondBaseline = await runBaseline(1);

    for (const [name, rows] of [
      ['Roster', rosterRows],
      ['baseline run 1', firstBaseline.written],
      ['baseline run 2', secondBaseline.written],
    ] as const) {
      for (const table of ['memberships', 'invitations', 'outboxEmails', 'auditEvents'] as const) {
        if (rows[table] !== ROWS)
          throw new Error(
            `${name} wrote ${rows[table]} ${table} rows for the ${ROWS} CSV users (expected ${ROWS}): ${JSON.stringify(rows)}`,
          );
      }
    }
    if (rosterRows.outboxBytes !== firstBaseline.written.outboxBytes) {
      console.log(
        `- note: the outbox emails differ in size: Roster ${rosterRows.outboxBytes} bytes, baseline ${firstBaseline.written.outboxBytes} bytes`,
      );
    }
    report({
      dirtyAtStart,
      modulesRssMb,
      rss,
      rosterPid,
      rosterTimeline,
      csvBytes,
      batchSize,
      preview,
      imported,
      serverImportMs,
      baselines: [firstBaseline, secondBaseline],
      rosterRows,
    });
  } finally {
    await roster?.stop().catch((error) => console.error('Stopping Roster failed:', error));
  }
}

function report(r: {
  dirtyAtStart: Record<string, number>;
  modulesRssMb: number;
  rss: { benchMb: number; rosterIdleMb: number };
  rosterPid: number;
  rosterTimeline: Timeline;
  csvBytes: number;
  batchSize: number;
  preview: RosterPhase<unknown>;
  imported: RosterPhase<unknown>;
  serverImportMs: number;
  baselines: BaselineRun[];
  rosterRows: WrittenRows;
}): void {
  const importSeconds = r.imported.wallMs / 1000;
  const baselineSeconds = r.baselines.reduce((sum, b) => sum + b.wallMs / 1000, 0) / r.baselines.length;
  const rosterRowsPerSec = ROWS / importSeconds;
  const baselineRowsPerSec = ROWS / baselineSeconds;
  const ratio = round3(rosterRowsPerSec / baselineRowsPerSec);
  const previewSeconds = r.preview.wallMs / 1000;
  const peakRssMb = r.imported.rss.peakMb;
  // A steadier indicator on a noisy machine: CPU (this process's main thread + mariadbd) per row, baseline / Roster.
  const cpuOf = (p: PhaseResult<unknown>) => (p.nodeCpuMs === null || p.dbCpuMs === null ? null : p.nodeCpuMs + p.dbCpuMs);
  const baselineCpus = r.baselines.map(cpuOf);
  const rosterCpu = cpuOf(r.imported);
  const cpuRatio =
    rosterCpu === null || baselineCpus.some((c) => c === null)
      ? null
      : round3(baselineCpus.reduce((a, b) => a! + b!, 0)! / baselineCpus.length / rosterCpu);
  const perK = (ms: number | null) => (ms === null ? '-' : ((ms / ROWS) * 1000).toFixed(0));
  const row = (name: string, phase: PhaseResult<unknown>, statements: number) => [
    name,
    ROWS.toLocaleString('en'),
    (phase.wallMs / 1000).toFixed(2),
    Math.round(ROWS / (phase.wallMs / 1000)).toLocaleString('en'),
    perK(phase.nodeCpuMs),
    perK(phase.dbCpuMs),
    statements.toLocaleString('en'),
    `${Math.round(phase.eventLoopUtilization * 100)}%`,
    phase.rss.peakMb.toFixed(0),
    phase.otherLoadCores === null ? '-' : phase.otherLoadCores.toFixed(2),
  ];
  console.log('');
  printTable(
    [
      [
        'phase',
        'rows',
        'seconds',
        'rows/s',
        'node cpu ms/1k rows',
        'db cpu ms/1k rows',
        'SQL statements',
        'event loop busy',
        'peak RSS MB',
        'other load (cores)',
      ],
      row('baseline run 1 (mysql2 INSERTs)', r.baselines[0]!, r.baselines[0]!.value.statements),
      row('roster preview (upload)', r.preview, r.preview.statementCount),
      row('roster import (start..FINISHED)', r.imported, r.imported.statementCount),
      row('baseline run 2 (mysql2 INSERTs)', r.baselines[1]!, r.baselines[1]!.value.statements),
    ],
    [false, true, true, true, true, true, true, true, true, true],
  );
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISSED');
  const checks = {
    ratio: { value: ratio, target: `>= ${TARGETS.ratio}`, verdict: verdict(ratio >= TARGETS.ratio) },
    previewSeconds: {
      value: round3(previewSeconds),
      target: `< ${TARGETS.previewSeconds}`,
      verdict: verdict(previewSeconds < TARGETS.previewSeconds),
    },
    peakRssMb: { value: peakRssMb, target: `< ${TARGETS.peakRssMb}`, verdict: verdict(peakRssMb < TARGETS.peakRssMb) },
  };
  console.log('');
  console.log(
    `ratio roster / baseline rows/s = ${Math.round(rosterRowsPerSec)} / ${Math.round(baselineRowsPerSec)} = ${ratio.toFixed(3)} (target >= ${TARGETS.ratio}): ${checks.ratio.verdict}` +
      `   [baseline = mean time of its 2 runs; against each run alone: ${r.baselines.map((b) => (importSeconds > 0 ? (b.wallMs / 1000 / importSeconds).toFixed(3) : '-')).join(' and ')}]`,
  );
  if (cpuRatio !== null) {
    console.log(
      `CPU-based ratio (main-thread + mariadbd CPU per row, baseline / Roster) = ${cpuRatio.toFixed(3)}: an indicator that wall-time noise moves less (other clients of mariadbd still count)`,
    );
  }
  console.log(
    `preview of ${ROWS.toLocaleString('en')} rows = ${previewSeconds.toFixed(2)} s (target < ${TARGETS.previewSeconds} s): ${checks.previewSeconds.verdict}`,
  );
  console.log(
    `peak RSS of Roster's process during the import = ${peakRssMb} MB (target < ${TARGETS.peakRssMb} MB): ${checks.peakRssMb.verdict}`,
  );
  console.log(
    `  Roster's process (${SERVER_CODE === 'dist' ? 'the build' : 'the source under tsx'}): ${r.rss.rosterIdleMb} MB started and idle, ${r.imported.rss.startMb} MB when the import began, ` +
      `peak ${r.imported.rss.peakMb} MB (kernel VmHWM over the phase: ${r.imported.rss.kernelPeakMb ?? '-'} MB), ${r.imported.rss.endMb} MB at the end; ${r.preview.rss.peakMb} MB peak in the preview. ` +
      `Peak V8 heap used: preview ${r.preview.rss.peakHeapUsedMb} MB, import ${r.imported.rss.peakHeapUsedMb} MB.`,
  );
  console.log(
    `  The baseline's RSS column is this process's (tsx, the harness, the CSV text: ${r.rss.benchMb} MB before the runs); peak V8 heap used by the baseline ${Math.max(...r.baselines.map((b) => b.rss.peakHeapUsedMb ?? 0))} MB.`,
  );
  const rosterRates = r.rosterTimeline.rates(ROWS);
  const baselineRates = r.baselines.map((b) => b.timeline.rates(ROWS));
  console.log(
    `rows/s over the first / last fifth of the rows: Roster ${rosterRates.firstFifth} / ${rosterRates.lastFifth}, ` +
      `baseline ${baselineRates.map((rate) => `${rate.firstFifth} / ${rate.lastFifth}`).join(' and ')}`,
  );
  console.log(
    `\nSQL statements of Roster's import (${r.imported.statementCount.toLocaleString('en')}, ${((r.imported.statementCount / ROWS) * 1000).toFixed(0)} per 1,000 rows):`,
  );
  for (const [kind, count] of r.imported.statements.slice(0, 14)) console.log(`  ${String(count).padStart(7)}  ${kind}`);
  const phases = [r.baselines[0]!, r.preview, r.imported, r.baselines[1]!];
  const others = phases.map((p) => p.otherLoadCores ?? 0);
  const noisy = others.some((cores) => cores > 0.2);
  if (noisy) {
    console.log(
      `\nWARNING: other processes kept ${others.map((c) => c.toFixed(2)).join(' / ')} cores busy during baseline 1 / preview / import / baseline 2. The figures are noisy; rerun on a quiet machine.`,
    );
  }

  const phase = (p: PhaseResult<unknown>) => ({
    seconds: round3(p.wallMs / 1000),
    rowsPerSec: Math.round(ROWS / (p.wallMs / 1000)),
    nodeCpuMs: p.nodeCpuMs,
    dbCpuMs: p.dbCpuMs,
    eventLoopUtilization: p.eventLoopUtilization,
    otherLoadCores: p.otherLoadCores,
    rss: p.rss,
  });
  const file = writeResult('import', {
    name: 'import',
    date: new Date().toISOString(),
    rows: ROWS,
    csvBytes: r.csvBytes,
    existingUsers: EXISTING_USERS,
    batchSize: r.batchSize,
    ratio,
    cpuRatio,
    rosterRowsPerSec: Math.round(rosterRowsPerSec),
    baselineRowsPerSec: Math.round(baselineRowsPerSec),
    targets: TARGETS,
    checks,
    sameProcess: false,
    server: SERVER_CODE,
    processes: { roster: r.rosterPid, baseline: process.pid },
    order:
      'baseline run 1, Roster preview, Roster import, baseline run 2; before each: a full GC and a wait (at most 30 s) until at most 10% of the InnoDB buffer pool is dirty',
    innodbDirtyPercentAtStart: r.dirtyAtStart,
    note: "Roster ran as a child process of its own (bench/lib/roster-server.mjs: startRoster with no outbox worker), the baseline in the benchmark's process, each on its own fresh database with Roster's migrations and the same seeded account. Roster's RSS, CPU and event loop are its process's; the baseline's are the benchmark process's. The baseline's rows/s uses the mean time of its two runs.",
    roster: {
      preview: { ...phase(r.preview), sqlStatements: r.preview.statementCount, statementsByKind: Object.fromEntries(r.preview.statements) },
      import: {
        ...phase(r.imported),
        serverSeconds: round3(r.serverImportMs / 1000),
        sqlStatements: r.imported.statementCount,
        statementsByKind: Object.fromEntries(r.imported.statements),
      },
      written: r.rosterRows,
    },
    baseline: {
      seconds: round3(baselineSeconds),
      rowsPerSec: Math.round(baselineRowsPerSec),
      runs: r.baselines.map((b) => ({
        ...phase(b),
        sqlStatements: b.value.statements,
        transactions: b.value.transactions,
        written: b.written,
      })),
    },
    benchProcessMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    rssContext: {
      rosterIdleMb: r.rss.rosterIdleMb,
      benchModulesLoadedMb: r.modulesRssMb,
      benchBeforeRunsMb: r.rss.benchMb,
      note: "peakRssMb is the Roster process's: the larger of its RSS sampled every 50 ms and the kernel's VmHWM, reset when the phase began. The benchmark process (tsx, the harness, the CSV text, the baseline) is not counted in it.",
    },
    timelines: {
      roster: r.rosterTimeline.points,
      baseline: r.baselines.map((b) => b.timeline.points),
      rates: { roster: rosterRates, baseline: baselineRates },
    },
    noisy,
    machine: machineInfo(),
    code: gitRevision(),
  });
  console.log(`\nresults written to ${file}`);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
