import type { PhaseResult } from '../../lib/phase.js';
import { gitRevision, machineInfo, printTable, round3, writeResult } from '../../lib/report.js';
import { DELTA_CHANGES, GROUPS, SERVER_CODE, TARGETS, USERS } from './config.js';
import type { GraphReads, SyncRows } from './directory.js';

/** One sync of Roster's: the phase's figures, its SQL statements by kind, the run's counts and what it read from Graph. */
export type SyncPhase = PhaseResult<unknown> & {
  name: string;
  statements: Array<[string, number]>;
  statementCount: number;
  counts: Record<string, number>;
  reads: GraphReads;
  stageSeconds: Record<string, number>;
  /** Time the fake Graph server (in the benchmark's process) spent answering this sync's requests. */
  fakeGraphSeconds: number;
};

export function report(r: {
  rosterPid: number;
  rosterIdleMb: number;
  dirtyAtStart: Record<string, number>;
  /** Baseline runs 1 (before Roster's first sync) and 2 (after it); the ratio uses their mean time. */
  baselines: Array<PhaseResult<{ statements: number; transactions: number }> & { written: SyncRows }>;
  rosterRows: SyncRows;
  first: SyncPhase;
  unchanged: SyncPhase;
  /** A full read of the unchanged directory (the deltaLink expired), when the second sync read only changes. */
  fullRead: SyncPhase | null;
  delta: SyncPhase;
  changes: Record<string, number>;
}): void {
  const seconds = (p: PhaseResult<unknown>) => p.wallMs / 1000;
  const rosterUsersPerSec = USERS / seconds(r.first);
  const baselineSeconds = r.baselines.reduce((sum, b) => sum + seconds(b), 0) / r.baselines.length;
  const baselineUsersPerSec = USERS / baselineSeconds;
  const ratio = round3(rosterUsersPerSec / baselineUsersPerSec);
  const statementsPerUser = round3(r.first.statementCount / USERS);
  // Delta is measured only when the run read Graph's changes from the last run's deltaLink and no full listing.
  const deltaMeasured = r.delta.reads.fromDeltaLink > 0 && r.delta.reads.fullUserPages === 0;
  const syncs = [r.first, r.unchanged, ...(r.fullRead ? [r.fullRead] : []), r.delta];
  const peakRssMb = Math.max(...syncs.map((p) => p.rss.peakMb));
  // The unchanged target is judged on the slower of the two unchanged syncs (the full read, when there is one).
  const unchangedSeconds = Math.max(...[r.unchanged, r.fullRead].filter((p): p is SyncPhase => p !== null).map(seconds));
  const perK = (ms: number | null) => (ms === null ? '-' : ((ms / USERS) * 1000).toFixed(0));
  const row = (name: string, phase: PhaseResult<unknown> & { fakeGraphSeconds?: number }, statements: number) => [
    name,
    seconds(phase).toFixed(2),
    Math.round(USERS / seconds(phase)).toLocaleString('en'),
    statements.toLocaleString('en'),
    (statements / USERS).toFixed(3),
    perK(phase.nodeCpuMs),
    perK(phase.dbCpuMs),
    `${Math.round(phase.eventLoopUtilization * 100)}%`,
    phase.rss.peakMb.toFixed(0),
    phase.otherLoadCores === null ? '-' : phase.otherLoadCores.toFixed(2),
    phase.fakeGraphSeconds === undefined ? '-' : phase.fakeGraphSeconds.toFixed(2),
  ];
  console.log('');
  printTable(
    [
      [
        'phase',
        'seconds',
        'users/s',
        'SQL statements',
        'per user',
        'node cpu ms/1k users',
        'db cpu ms/1k users',
        'event loop',
        'peak RSS MB',
        'other load',
        'fake Graph s',
      ],
      row('baseline run 1 (mysql2 INSERTs, first sync rows)', r.baselines[0]!, r.baselines[0]!.value.statements),
      row('roster first sync', r.first, r.first.statementCount),
      row('baseline run 2 (after the first sync)', r.baselines[1]!, r.baselines[1]!.value.statements),
      row(
        `roster second sync (no changes${r.unchanged.reads.fromDeltaLink ? ', delta' : ', full read'})`,
        r.unchanged,
        r.unchanged.statementCount,
      ),
      ...(r.fullRead ? [row('roster full read, no changes (deltaLink expired)', r.fullRead, r.fullRead.statementCount)] : []),
      row(`roster sync after ${DELTA_CHANGES} changes${deltaMeasured ? ' (delta)' : ' (full read)'}`, r.delta, r.delta.statementCount),
    ],
    [false, true, true, true, true, true, true, true, true, true, true],
  );
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISSED');
  const check = (value: number, target: string, ok: boolean) => ({ value, target, verdict: verdict(ok) });
  const deltaSeconds = round3(seconds(r.delta));
  const checks = {
    ratio: check(ratio, `>= ${TARGETS.ratio}`, ratio >= TARGETS.ratio),
    statementsPerUser: check(statementsPerUser, `<= ${TARGETS.statementsPerUser}`, statementsPerUser <= TARGETS.statementsPerUser),
    unchangedSeconds: check(round3(unchangedSeconds), `< ${TARGETS.unchangedSeconds}`, unchangedSeconds < TARGETS.unchangedSeconds),
    deltaSeconds: deltaMeasured
      ? check(deltaSeconds, `< ${TARGETS.deltaSeconds}`, deltaSeconds < TARGETS.deltaSeconds)
      : {
          value: null,
          target: `< ${TARGETS.deltaSeconds}`,
          verdict: 'not measured: delta queries not available',
          fullReadSeconds: deltaSeconds,
        },
    peakRssMb: check(peakRssMb, `< ${TARGETS.peakRssMb}`, peakRssMb < TARGETS.peakRssMb),
  };
  console.log('');
  console.log(
    `first sync: ${Math.round(rosterUsersPerSec)} users/s vs the baseline's ${Math.round(baselineUsersPerSec)} (mean time of its 2 runs) = ${ratio.toFixed(3)} (target >= ${TARGETS.ratio}): ${checks.ratio.verdict}`,
  );
  console.log(
    `SQL statements per user in the first sync: ${statementsPerUser} (target <= ${TARGETS.statementsPerUser}): ${checks.statementsPerUser.verdict}`,
  );
  console.log(
    `unchanged sync: ${seconds(r.unchanged).toFixed(2)} s${r.fullRead ? ` from the deltaLink, ${seconds(r.fullRead).toFixed(2)} s reading the whole directory` : ''} (target < ${TARGETS.unchangedSeconds} s): ${checks.unchangedSeconds.verdict}`,
  );
  console.log(
    deltaMeasured
      ? `sync of ${DELTA_CHANGES} changes from the deltaLink: ${deltaSeconds.toFixed(2)} s, of which the fake Graph server spent ${r.delta.fakeGraphSeconds.toFixed(2)} s answering (target < ${TARGETS.deltaSeconds} s): ${checks.deltaSeconds.verdict}`
      : `sync of ${DELTA_CHANGES} changes: not measured: delta queries not available (the run read the whole directory: ${deltaSeconds.toFixed(2)} s)`,
  );
  console.log(
    `peak RSS of Roster's process = ${peakRssMb} MB (target < ${TARGETS.peakRssMb} MB): ${checks.peakRssMb.verdict}   [idle ${r.rosterIdleMb} MB; peak V8 heap used ${r.first.rss.peakHeapUsedMb} MB in the first sync]`,
  );
  console.log(`\nSQL statements of the first sync (${r.first.statementCount.toLocaleString('en')}):`);
  for (const [kind, count] of r.first.statements.slice(0, 16)) console.log(`  ${String(count).padStart(7)}  ${kind}`);
  const phases = [...r.baselines, ...syncs];
  const noisy = phases.some((p) => (p.otherLoadCores ?? 0) > 0.2);
  if (noisy) {
    console.log(
      `\nWARNING: other processes kept ${phases.map((p) => (p.otherLoadCores ?? 0).toFixed(2)).join(' / ')} cores busy during baseline 1 / baseline 2 / ${syncs.map((p) => p.name).join(' / ')}. The figures are noisy; rerun on a quiet machine.`,
    );
  }
  const phase = (p: SyncPhase) => ({
    seconds: round3(seconds(p)),
    usersPerSec: Math.round(USERS / seconds(p)),
    sqlStatements: p.statementCount,
    statementsPerUser: round3(p.statementCount / USERS),
    statementsByKind: Object.fromEntries(p.statements),
    counts: p.counts,
    graphReads: p.reads,
    stageReachedSeconds: p.stageSeconds,
    fakeGraphSeconds: p.fakeGraphSeconds,
    nodeCpuMs: p.nodeCpuMs,
    dbCpuMs: p.dbCpuMs,
    eventLoopUtilization: p.eventLoopUtilization,
    otherLoadCores: p.otherLoadCores,
    rss: p.rss,
  });
  const file = writeResult('sync', {
    name: 'sync',
    date: new Date().toISOString(),
    users: USERS,
    groups: GROUPS,
    deltaChanges: DELTA_CHANGES,
    upstreamChanges: r.changes,
    ratio,
    statementsPerUser,
    rosterUsersPerSec: Math.round(rosterUsersPerSec),
    baselineUsersPerSec: Math.round(baselineUsersPerSec),
    targets: TARGETS,
    checks,
    server: SERVER_CODE,
    processes: { roster: r.rosterPid, baselineAndFakeGraph: process.pid },
    order:
      'baseline run 1, Roster first sync, baseline run 2, second sync (no changes), a full read with no changes (deltaLink expired; only when the second sync used delta), sync after the changes; before each: a full GC and a wait (at most 30 s) until at most 10% of the InnoDB buffer pool is dirty',
    innodbDirtyPercentAtStart: r.dirtyAtStart,
    note: "Roster ran as a child process of its own (bench/lib/roster-server.mjs, no outbox worker: emails stay queued), reading the fake Graph server that runs in the benchmark's process; the baseline wrote the first sync's rows from memory (no HTTP) with mysql2 in the benchmark's process. Each on its own fresh database with Roster's migrations.",
    roster: {
      firstSync: phase(r.first),
      unchangedSync: phase(r.unchanged),
      unchangedFullRead: r.fullRead ? phase(r.fullRead) : null,
      changesSync: phase(r.delta),
      written: r.rosterRows,
      idleRssMb: r.rosterIdleMb,
    },
    baseline: {
      seconds: round3(baselineSeconds),
      runs: r.baselines.map((b) => ({
        seconds: round3(seconds(b)),
        sqlStatements: b.value.statements,
        transactions: b.value.transactions,
        nodeCpuMs: b.nodeCpuMs,
        dbCpuMs: b.dbCpuMs,
        otherLoadCores: b.otherLoadCores,
        written: b.written,
      })),
    },
    noisy,
    machine: machineInfo(),
    code: gitRevision(),
  });
  console.log(`\nresults written to ${file}`);
}
