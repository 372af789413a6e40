import mysql from 'mysql2/promise';
import { IMPORT_BATCH_SIZE } from '../../packages/server/src/imports/import-runner.js';
import { runImportBaseline } from '../baselines/import-sql.js';
import { waitForFlushedBufferPool, withThrowawayDatabase, type ThrowawayDatabase } from '../lib/mariadb.js';
import { buildServer, startMeasuredRoster, type ChildPhase, type MeasuredRoster } from '../lib/measured-roster.js';
import { collectGarbage, mb, measurePhase, thisProcessMemory } from '../lib/phase.js';
import { CpuProfiler, printProfileSummary, RemoteCpuProfiler } from '../lib/profile.js';
import { gitRevision, RESULTS_DIR } from '../lib/report.js';
import { postGraphQL, signIn } from '../lib/roster.js';
import { seedAccount, type SeededAccount } from '../lib/seed.js';
import {
  BATCH_SIZE,
  EXISTING_USERS,
  IMPORT_TIMEOUT_MS,
  ONLY,
  PREVIEW_RUNS,
  PROFILE,
  ROWS,
  SERVER_CODE,
  STALL_MS,
} from './import/config.js';
import { importCsv } from './import/csv.js';
import { migrate, writtenRows } from './import/database.js';
import { counters, Timeline, type BaselineRun, type RosterPhase } from './import/phases.js';
import { previewsAlone } from './import/preview-only.js';
import { report } from './import/report.js';

/**
 * Import benchmark: 50,000 CSV rows through Roster's real import path (upload = preview, then startImport
 * and the background import runner), against a mysql2 baseline writing the same rows into the same tables,
 * each on its own fresh database with Roster's schema. Roster runs as a child process of its own, so its
 * memory and CPU are the server's alone; the baseline runs in this process.
 *
 * The scenario's parts live in ./import/: config.ts (settings and targets), csv.ts (the CSV file),
 * database.ts (Roster's schema for the baseline, the rows an import wrote), phases.ts (CPU counters, the
 * rows-over-time timeline, phase result types) and report.ts (the table, the verdicts, bench/results/import.json).
 */

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
    for (const db of ONLY ? [] : baselineDbs) {
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

    /** The preview: upload the file; Roster parses it and stores every row with its verdict. */
    const runPreview = () =>
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
      });

    if (ONLY === 'preview') {
      await previewsAlone(rosterDb.url, async (index) => {
        await settle(`preview ${index + 1}`);
        return index === PREVIEW_RUNS - 1 ? profiled('preview', runPreview) : runPreview();
      });
      return;
    }

    // 1. Baseline, run 1 (the baseline runs before and after Roster, so a drift of the machine hits both sides).
    const firstBaseline = await runBaseline(0);

    // 2. Preview.
    await settle('preview');
    const preview = await profiled('preview', runPreview);
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
