import { isDeepStrictEqual } from 'node:util';
import { startUsersPageBaseline, type BaselineServer } from '../baselines/users-page.js';
import { databaseCpuCounter, mainThreadCpuMs, otherProcessesCpuMs } from '../lib/cpu.js';
import { alternate, problemCount, type LoadOptions, type LoadSummary, type LoadTarget } from '../lib/load.js';
import { waitForQuietDatabase, withThrowawayDatabase } from '../lib/mariadb.js';
import { CpuProfiler, printProfileSummary } from '../lib/profile.js';
import { measureExecutorCost, type ExecutorCost } from '../lib/executor-cost.js';
import { describeRun, machineInfo, printLoadTable, RESULTS_DIR, warnAboutOtherLoad, writeResult } from '../lib/report.js';
import { postGraphQL, signIn, startBenchRoster, type BenchRoster, type GraphQLResponse } from '../lib/roster.js';
import { seedAccount } from '../lib/seed.js';

/**
 * Read benchmark: the Users page (first 50 of 10,000 users, with company and groups) under concurrent
 * load, Roster against a bare graphql-js + mysql2 baseline serving the same answer from the same database.
 */

const USERS = 10_000;
const PAGE_SIZE = 50;
/** Issue 15: with the page served by indexes, Roster should serve at least what bare graphql-js serves on the same SQL. */
const TARGET_RATIO = 1.0;
/** BENCH_ROUNDS: more alternations spread the load of other processes more evenly over both servers (default 2). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOAD: LoadOptions = {
  connections: 10,
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  durationSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 10),
  workers: 1,
};
/** BENCH_PROFILE=roster|baseline: CPU-profile that target's last run (main thread) and print where the time went. */
const PROFILE = process.env.BENCH_PROFILE ?? '';

export const USERS_PAGE_QUERY = `query UsersPage { users(page: { first: ${PAGE_SIZE} }) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email name role status isAdministrator invitationPending lastActiveAt company { id name } groups { id name } } } } }`;

interface UsersPageData {
  users: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: Array<{ cursor: string; node: { email: string; company: { id: string } | null; groups: Array<{ id: string }> } }>;
  };
}

export default async function main(): Promise<void> {
  console.log(`Read benchmark: Users page (first ${PAGE_SIZE} of ${USERS.toLocaleString('en')} users), Roster vs bare graphql-js + mysql2`);
  await withThrowawayDatabase(async (db) => {
    console.log(`- database ${db.name}`);
    let bench: BenchRoster | null = null;
    let baseline: BaselineServer | null = null;
    try {
      let started = Date.now();
      bench = await startBenchRoster(db.url);
      console.log(`- Roster started, migrations applied (${Date.now() - started} ms)`);

      started = Date.now();
      const seeded = await seedAccount(db.url, { users: USERS, companies: 20, groups: 10 });
      const c = seeded.counts;
      console.log(
        `- seeded ${c.users} users, ${c.people} people, ${c.companies} companies, ${c.groups} groups, ${c.groupMembers} group memberships (${Date.now() - started} ms)`,
      );

      baseline = await startUsersPageBaseline(db.url);
      const { cookie, role } = await signIn(bench.baseUrl, seeded.admin.email, seeded.admin.password);
      console.log(`- signed in as ${seeded.admin.email} (${role})`);

      // Correctness first: both must give the same page, with the same number of SQL statements.
      const roster = await checkedPage(
        'Roster',
        `${bench.baseUrl}/graphql`,
        cookie,
        () => bench!.resetSqlCount(),
        () => bench!.sqlCount(),
      );
      const base = await checkedPage(
        'baseline',
        `${baseline.url}/graphql`,
        cookie,
        () => baseline!.resetSqlCount(),
        () => baseline!.sqlCount(),
      );
      if (roster.sql !== base.sql) {
        console.log(`- note: Roster ran ${roster.sql} SQL statements for the page, the baseline ${base.sql}. Roster's last request:`);
        for (const sql of bench.sqlStatements()) console.log(`    ${sql.replace(/\s+/g, ' ').slice(0, 160)}`);
      }
      const rosterEmails = roster.data.users.edges.map((edge) => edge.node.email);
      const baselineEmails = base.data.users.edges.map((edge) => edge.node.email);
      if (!isDeepStrictEqual(rosterEmails, baselineEmails)) {
        throw new Error(
          `The baseline's page differs from Roster's.\n  Roster:   ${rosterEmails.slice(0, 5).join(', ')}...\n  baseline: ${baselineEmails.slice(0, 5).join(', ')}...`,
        );
      }
      if (!isDeepStrictEqual(roster.data, base.data)) {
        throw new Error(
          `Same emails, but the baseline's answer differs from Roster's, first at ${firstDifference(roster.data, base.data)}.`,
        );
      }
      const withCompany = roster.data.users.edges.filter((edge) => edge.node.company).length;
      const withGroups = roster.data.users.edges.filter((edge) => edge.node.groups.length > 0).length;
      console.log(
        `- both answer the same page: ${PAGE_SIZE} edges (${withCompany} with a company, ${withGroups} with groups), totalCount ${roster.data.users.totalCount}; ` +
          `${roster.bytes} vs ${base.bytes} bytes; SQL statements per request: Roster ${roster.sql}, baseline ${base.sql}`,
      );

      const executorCost = await measureExecutorCost(USERS_PAGE_QUERY, roster.data);
      console.log(
        `- executing the page's document alone (no HTTP, Apollo or SQL), CPU per execution: graphql-js ${executorCost.graphqlJsUs} us, ` +
          `Roster's executor (graphql-jit) ${executorCost.rosterExecutorUs} us`,
      );

      const request = {
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ query: USERS_PAGE_QUERY }),
      };
      const targets: LoadTarget[] = [
        { name: 'baseline', url: `${baseline.url}/graphql`, ...request },
        { name: 'roster', url: `${bench.baseUrl}/graphql`, ...request },
      ];
      console.log(
        `- load: ${LOAD.connections} connections, ${LOAD.warmupSeconds} s warm-up + ${LOAD.durationSeconds} s per run, ${ROUNDS} rounds alternating (${targets.map((t) => t.name).join(', ')})`,
      );
      if (PROFILE) console.log(`- profiling ${PROFILE}'s round ${ROUNDS}: the profiler slows that run, so do not quote this run's ratio`);
      const dbCpu = await databaseCpuCounter(db.url);
      LOAD.cpuCounters = { node: mainThreadCpuMs, ...(dbCpu ? { db: dbCpu } : {}) };
      LOAD.otherCpuMs = otherProcessesCpuMs(dbCpu ? [dbCpu] : []);
      const profiler = new CpuProfiler();
      let profiling = false;
      const summaries = await alternate(targets, ROUNDS, LOAD, {
        beforeRun: async (target, round) => {
          if (target.name === PROFILE && round === ROUNDS) {
            await profiler.start();
            profiling = true;
          }
        },
        afterRun: async (run) => {
          console.log(describeRun(run));
          await waitForQuietDatabase(db.url);
          if (profiling) {
            profiling = false;
            const file = `${RESULTS_DIR}/read-${run.name}.cpuprofile`;
            const profile = await profiler.stop(file);
            console.log(`  CPU profile of ${run.name} (round ${run.round}, warm-up included) written to ${file}`);
            printProfileSummary(profile, run.completed2xx + run.warmupCompleted);
          }
        },
      });

      report(
        summaries.roster!,
        summaries.baseline!,
        {
          rosterSql: roster.sql,
          baselineSql: base.sql,
          rosterBytes: roster.bytes,
          baselineBytes: base.bytes,
        },
        executorCost,
      );
    } finally {
      // Let requests still queued from the last run finish before the pools close under them.
      await waitForQuietDatabase(db.url).catch(() => {});
      await baseline?.close().catch((error) => console.error('Closing the baseline failed:', error));
      await bench?.roster.stop().catch((error) => console.error('Stopping Roster failed:', error));
    }
  });
}

/**
 * Fetches the page, checks it is a full page without errors, and counts the SQL statements it took: the
 * fewest over three requests, because Roster's background outbox worker polls the same database (once a
 * second) and its statements land in the same SQL log.
 */
async function checkedPage(name: string, url: string, cookie: string, resetSql: () => void, sqlCount: () => number) {
  let sql = Number.POSITIVE_INFINITY;
  let result: GraphQLResponse<UsersPageData> | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    resetSql();
    result = await postGraphQL<UsersPageData>(url, USERS_PAGE_QUERY, { cookie });
    sql = Math.min(sql, sqlCount());
    if (result.status !== 200 || result.body.errors || !result.body.data) {
      throw new Error(
        `${name} answered the Users page with ${result.status}: ${JSON.stringify(result.body.errors ?? result.body).slice(0, 500)}`,
      );
    }
  }
  const data = result!.body.data!;
  const edges = data.users.edges.length;
  if (edges !== PAGE_SIZE) throw new Error(`${name} returned ${edges} edges, expected ${PAGE_SIZE}.`);
  if (data.users.totalCount !== USERS) throw new Error(`${name} reports totalCount ${data.users.totalCount}, expected ${USERS}.`);
  return { data, bytes: result!.bytes, sql };
}

/** Where two JSON values first differ: a path and both values. */
function firstDifference(a: unknown, b: unknown, path = 'data'): string {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const left = (a as Record<string, unknown>)[key];
      const right = (b as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(left, right)) return firstDifference(left, right, `${path}.${key}`);
    }
  }
  return `${path}: Roster ${JSON.stringify(a)}, baseline ${JSON.stringify(b)}`;
}

function report(roster: LoadSummary, baseline: LoadSummary, details: Record<string, number>, executorCost: ExecutorCost): void {
  const ratio = Math.round((roster.requestsPerSec / baseline.requestsPerSec) * 1000) / 1000;
  const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET';
  console.log(`\nMedians over ${ROUNDS} rounds (${LOAD.connections} connections, ${LOAD.durationSeconds} s each):\n`);
  printLoadTable([baseline, roster]);
  const noisy = warnAboutOtherLoad([...baseline.runs, ...roster.runs]);
  console.log(`\nratio roster / baseline = ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}): ${verdict}`);

  const file = writeResult('read', {
    name: 'read',
    date: new Date().toISOString(),
    users: USERS,
    pageSize: PAGE_SIZE,
    roster: { ...roster, sqlPerRequest: details.rosterSql, responseBytes: details.rosterBytes },
    baseline: { ...baseline, sqlPerRequest: details.baselineSql, responseBytes: details.baselineBytes },
    ratio,
    executionCpuUsPerRequest: executorCost,
    target: TARGET_RATIO,
    verdict,
    noisy,
    load: {
      connections: LOAD.connections,
      warmupSeconds: LOAD.warmupSeconds,
      durationSeconds: LOAD.durationSeconds,
      workers: LOAD.workers,
      rounds: ROUNDS,
      order: 'baseline, roster, alternating',
    },
    machine: machineInfo(),
  });
  console.log(`results written to ${file}`);

  const problems = problemCount(roster) + problemCount(baseline);
  if (problems > 0) {
    throw new Error(`${problems} request(s) failed under load (non-2xx, socket errors or timeouts); the figures above are not valid.`);
  }
}
