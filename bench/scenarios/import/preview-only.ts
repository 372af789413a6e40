import mysql from 'mysql2/promise';
import { median } from '../../lib/load.js';
import { PREVIEW_RUNS, ROWS } from './config.js';
import type { RosterPhase } from './phases.js';

/**
 * BENCH_IMPORT_ONLY=preview: the preview alone, PREVIEW_RUNS times on the same Roster (the last one profiled when
 * BENCH_PROFILE=preview), each job's rows deleted before the next run. Prints each run and the medians.
 */
export async function previewsAlone(
  databaseUrl: string,
  runOne: (index: number) => Promise<RosterPhase<{ id: string; totalRows: number }>>,
): Promise<void> {
  const perK = (ms: number | null) => (ms === null ? null : (ms / ROWS) * 1000);
  const runs: Array<{ seconds: number; nodeCpu: number | null; dbCpu: number | null; otherLoad: number | null }> = [];
  const db = await mysql.createConnection({ uri: databaseUrl });
  try {
    for (let index = 0; index < PREVIEW_RUNS; index++) {
      const phase = await runOne(index);
      if (phase.value.totalRows !== ROWS) throw new Error(`The preview read ${phase.value.totalRows} rows, not ${ROWS}.`);
      const [[verdicts]] = (await db.query(
        "SELECT SUM(verdict <> 'HEADER') AS rows_, SUM(verdict = 'NEW') AS fresh FROM import_rows WHERE job_id = ?",
        [phase.value.id],
      )) as unknown as [[{ rows_: number; fresh: string }]];
      if (Number(verdicts.rows_) !== ROWS || Number(verdicts.fresh) !== ROWS)
        throw new Error(`The preview should have stored ${ROWS} NEW rows: ${JSON.stringify(verdicts)}.`);
      const run = {
        seconds: phase.wallMs / 1000,
        nodeCpu: perK(phase.nodeCpuMs),
        dbCpu: perK(phase.dbCpuMs),
        otherLoad: phase.otherLoadCores,
      };
      runs.push(run);
      console.log(
        `- preview ${index + 1}: ${run.seconds.toFixed(2)} s, Roster cpu ${run.nodeCpu?.toFixed(1) ?? '-'} ms/1k rows, ` +
          `MariaDB cpu ${run.dbCpu?.toFixed(1) ?? '-'} ms/1k rows, ${phase.statementCount} SQL statements, ` +
          `event loop ${Math.round(phase.eventLoopUtilization * 100)}%, peak RSS ${phase.rss.peakMb} MB, other load ${run.otherLoad?.toFixed(2) ?? '-'} cores`,
      );
      await db.query('DELETE FROM import_rows WHERE job_id = ?', [phase.value.id]);
      await db.query('DELETE FROM import_jobs WHERE id = ?', [phase.value.id]);
    }
  } finally {
    await db.end();
  }
  const mid = (values: Array<number | null>) => (values.some((v) => v === null) ? '-' : median(values as number[]).toFixed(2));
  console.log(
    `\nPreview of ${ROWS.toLocaleString('en')} rows, median of ${runs.length}: ${mid(runs.map((r) => r.seconds))} s, ` +
      `Roster cpu ${mid(runs.map((r) => r.nodeCpu))} ms/1k rows, MariaDB cpu ${mid(runs.map((r) => r.dbCpu))} ms/1k rows, ` +
      `other load ${mid(runs.map((r) => r.otherLoad))} cores`,
  );
}
