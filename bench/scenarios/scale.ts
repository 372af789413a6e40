import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { databaseCpuCounter, mainThreadCpuMs, otherProcessesCpuMs } from '../lib/cpu.js';
import { problemCount, runLoad, summarize, type LoadOptions, type LoadSummary } from '../lib/load.js';
import { MARIADB_SERVER_URL, waitForQuietDatabase, withThrowawayDatabase, type ThrowawayDatabase } from '../lib/mariadb.js';
import { machineInfo, printTable, round1, round2, warnAboutOtherLoad, writeResult } from '../lib/report.js';
import { postGraphQL, signIn, startBenchRoster, type BenchRoster } from '../lib/roster.js';
import { findScaleAccount, seedScaleAccount, type ScaleAccount } from './scale-seed.js';

/**
 * Scale benchmark: the Users page (first 50) in accounts of 10,000, 100,000 and 1,000,000 users, in the default
 * order, three other orders, each filter and four searches (by email, a first name, a full name, a domain). The page should cost the same whatever the account's size:
 * the target is every query's 1,000,000-user p50 and req/s within 1.5x of its 10,000-user figures.
 */

/** A database name: seeded accounts are kept there and reused by the next run (the 1,000,000-user seed takes half an hour). */
const KEEP_DATABASE = process.env.BENCH_SCALE_KEEP_DATABASE;
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const TARGET = 1.5;
const LOAD: LoadOptions = {
  connections: 10,
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1),
  durationSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 5),
  workers: 1,
};

const PAGE = `query UsersPage($filter: UserFilter, $orderBy: UserOrder) { users(page: { first: 50 }, filter: $filter, orderBy: $orderBy) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email name role status isAdministrator invitationPending lastActiveAt
  company { id name } groups { id name } } } } }`;

interface Query {
  name: string;
  variables: (account: ScaleAccount) => Record<string, unknown>;
}

const QUERIES: Query[] = [
  { name: 'default (email)', variables: () => ({}) },
  { name: 'order name', variables: () => ({ orderBy: { field: 'NAME', direction: 'ASC' } }) },
  { name: 'order last active', variables: () => ({ orderBy: { field: 'LAST_ACTIVE_AT', direction: 'DESC' } }) },
  { name: 'order status', variables: () => ({ orderBy: { field: 'STATUS', direction: 'ASC' } }) },
  { name: 'status invited', variables: () => ({ filter: { statuses: ['INVITED'] } }) },
  { name: 'role admin', variables: () => ({ filter: { roles: ['ADMIN'] } }) },
  { name: 'company', variables: (a) => ({ filter: { companyId: a.companyId } }) },
  { name: 'group', variables: (a) => ({ filter: { groupId: a.groupId } }) },
  { name: 'company+active', variables: (a) => ({ filter: { companyId: a.companyId, statuses: ['ACTIVE'] } }) },
  { name: 'search "priya.pa"', variables: () => ({ filter: { search: 'priya.pa' } }) },
  { name: 'search "priya"', variables: () => ({ filter: { search: 'priya' } }) },
  // Matched by name only ("Priya Patel"), then by email domain only: the second and third branches of a search.
  { name: 'search "priya pa"', variables: () => ({ filter: { search: 'priya pa' } }) },
  { name: 'search "client7"', variables: () => ({ filter: { search: 'client7' } }) },
];

interface Measured {
  query: string;
  totalCount: number;
  /** The first request of the list view: it computes the total count (later pages reuse it). */
  firstViewMs: number;
  /** The SQL of one steady-state request (session, page, count if not reused, companies, groups) replayed alone: median ms. */
  sqlMs: number;
  summary: LoadSummary;
}

export default async function main(): Promise<void> {
  console.log(`Scale benchmark: the Users page (first 50) in accounts of ${SIZES.map((n) => n.toLocaleString('en')).join(', ')} users`);
  console.log('Figures are noisy on a shared 2-core machine: compare within one run, rerun when the machine is quiet.');
  const withDatabase = KEEP_DATABASE ? withKeptDatabase.bind(null, KEEP_DATABASE) : withThrowawayDatabase;
  await withDatabase(async (db) => {
    console.log(`- database ${db.name}${KEEP_DATABASE ? ' (kept: seeded accounts are reused)' : ''}`);
    let bench: BenchRoster | null = null;
    const results: Array<{ users: number; seedSeconds: number | null; queries: Measured[] }> = [];
    try {
      bench = await startBenchRoster(
        db.url,
        {},
        { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
      );
      const dbCpu = await databaseCpuCounter(db.url);
      LOAD.cpuCounters = { node: mainThreadCpuMs, ...(dbCpu ? { db: dbCpu } : {}) };
      LOAD.otherCpuMs = otherProcessesCpuMs(dbCpu ? [dbCpu] : []);
      for (const users of SIZES) {
        const started = performance.now();
        let shown = 0;
        const kept = KEEP_DATABASE ? await findScaleAccount(db.url, users) : null;
        if (kept) console.log(`- reusing the kept account of ${users.toLocaleString('en')} users`);
        const account =
          kept ??
          (await seedScaleAccount(db.url, users, (done) => {
            if (done - shown >= 100_000 || done === users) {
              shown = done;
              console.log(
                `  seeding ${users.toLocaleString('en')}: ${done.toLocaleString('en')} users (${Math.round((performance.now() - started) / 1000)} s)`,
              );
            }
          }));
        // null: reused from the kept database, not seeded by this run.
        const seedSeconds = kept ? null : round1((performance.now() - started) / 1000);
        if (seedSeconds !== null) console.log(`- seeded an account of ${users.toLocaleString('en')} users in ${seedSeconds} s`);
        await waitForQuietDatabase(db.url);
        const { cookie } = await signIn(bench.baseUrl, account.admin.email, account.admin.password);
        const measured: Measured[] = [];
        for (const query of QUERIES) {
          const body = JSON.stringify({ query: PAGE, variables: query.variables(account) });
          const t0 = performance.now();
          const first = await postGraphQL(`${bench.baseUrl}/graphql`, PAGE, { cookie, variables: query.variables(account) });
          const firstViewMs = round1(performance.now() - t0);
          const sqlMs = await replaySql(bench, db.url, () =>
            postGraphQL(`${bench!.baseUrl}/graphql`, PAGE, { cookie, variables: query.variables(account) }),
          );
          const data = first.body.data as { users: { totalCount: number; edges: unknown[] } } | undefined;
          if (first.status !== 200 || first.body.errors || !data || data.users.edges.length === 0) {
            throw new Error(`${query.name}: ${first.status} ${JSON.stringify(first.body.errors ?? first.body).slice(0, 400)}`);
          }
          const run = await runLoad(
            {
              name: query.name,
              url: `${bench.baseUrl}/graphql`,
              method: 'POST',
              headers: { 'content-type': 'application/json', cookie },
              body,
            },
            LOAD,
          );
          const summary = summarize(query.name, [run]);
          if (problemCount(summary) > 0) throw new Error(`${query.name}: ${problemCount(summary)} request(s) failed under load`);
          console.log(
            `  ${users.toLocaleString('en').padStart(9)} ${query.name.padEnd(20)} ${run.requestsPerSec.toFixed(0).padStart(5)} req/s  p50 ${run.latencyP50Ms.toFixed(1)} ms  p99 ${run.latencyP99Ms.toFixed(1)} ms  db ${run.cpuMsPerRequest.db?.toFixed(2) ?? '-'} ms/req  sql ${sqlMs} ms  first view ${firstViewMs} ms  (total ${data.users.totalCount})`,
          );
          measured.push({ query: query.name, totalCount: data.users.totalCount, firstViewMs, sqlMs, summary });
          await waitForQuietDatabase(db.url);
        }
        results.push({ users, seedSeconds, queries: measured });
      }
    } finally {
      await waitForQuietDatabase(db.url).catch(() => {});
      await bench?.roster.stop().catch((error) => console.error('Stopping Roster failed:', error));
    }
    report(results);
  }, 'roster_bench_scale');
}

function report(results: Array<{ users: number; seedSeconds: number | null; queries: Measured[] }>): void {
  const smallest = results[0]!;
  const largest = results.at(-1)!;
  console.log(`\nUsers page, first 50 (${LOAD.connections} connections, ${LOAD.durationSeconds} s per query, one round):\n`);
  const header = [
    'query',
    ...results.flatMap((r) => [`${short(r.users)} p50`, `${short(r.users)} req/s`, `${short(r.users)} sql ms`]),
    'p50 ratio',
    'sql ratio',
    'verdict',
  ];
  const rows = QUERIES.map((query) => {
    const cells = results.flatMap((r) => {
      const s = r.queries.find((m) => m.query === query.name)!.summary;
      return [s.latencyP50Ms.toFixed(1), s.requestsPerSec.toFixed(0), r.queries.find((m) => m.query === query.name)!.sqlMs.toFixed(2)];
    });
    const { ratio, sqlRatio, verdict } = compare(query.name, smallest, largest);
    return [query.name, ...cells, ratio.toFixed(2), sqlRatio.toFixed(2), verdict];
  });
  printTable([header, ...rows], [false, ...header.slice(1, -1).map(() => true), false]);
  const noisy = warnAboutOtherLoad(results.flatMap((r) => r.queries.flatMap((m) => m.summary.runs)));
  const file = writeResult('scale', {
    name: 'scale',
    date: new Date().toISOString(),
    target: `every query's p50 and req/s at ${largest.users} users within ${TARGET}x of ${smallest.users} users`,
    sizes: results.map((r) => ({
      users: r.users,
      seedSeconds: r.seedSeconds,
      queries: r.queries.map((m) => ({
        query: m.query,
        totalCount: m.totalCount,
        firstViewMs: m.firstViewMs,
        sqlMs: m.sqlMs,
        requestsPerSec: round1(m.summary.requestsPerSec),
        latencyP50Ms: m.summary.latencyP50Ms,
        latencyP99Ms: m.summary.latencyP99Ms,
        cpuMsPerRequest: Object.fromEntries(Object.entries(m.summary.cpuMsPerRequest).map(([k, v]) => [k, round2(v)])),
      })),
    })),
    comparison: QUERIES.map((q) => ({ query: q.name, ...compare(q.name, smallest, largest) })),
    noisy,
    load: { connections: LOAD.connections, warmupSeconds: LOAD.warmupSeconds, durationSeconds: LOAD.durationSeconds, rounds: 1 },
    machine: machineInfo(),
  });
  console.log(`\nresults written to ${file}`);
}

/** The database named by BENCH_SCALE_KEEP_DATABASE, created when missing and never dropped. */
async function withKeptDatabase(name: string, body: (db: ThrowawayDatabase) => Promise<void>): Promise<void> {
  if (!/^\w+$/.test(name)) throw new Error(`BENCH_SCALE_KEEP_DATABASE: ${name} is not a plain database name`);
  const admin = await mysql.createConnection({ uri: MARIADB_SERVER_URL });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  await body({ name, url: `${MARIADB_SERVER_URL.replace(/\/+$/, '')}/${name}`, drop: async () => {} });
}

/**
 * Captures the SQL (with parameters) of one request of the query, then replays those statements alone on one connection,
 * 30 times, and returns the median time of a whole request's statements: the database's share without Node, HTTP or
 * the other connections' queueing (still subject to whatever else the machine runs).
 */
async function replaySql(bench: BenchRoster, url: string, request: () => Promise<unknown>): Promise<number> {
  const dataSource = bench.roster.dataSource;
  const original = dataSource.query.bind(dataSource);
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  dataSource.query = ((sql: string, params?: unknown[], ...rest: unknown[]) => {
    statements.push({ sql, params: params ?? [] });
    return (original as (...args: unknown[]) => Promise<unknown>)(sql, params, ...rest);
  }) as typeof dataSource.query;
  try {
    await request();
  } finally {
    dataSource.query = original;
  }
  const connection = await mysql.createConnection({ uri: url, timezone: 'Z' });
  try {
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      for (const { sql, params } of statements) await connection.query(sql, params);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return round2(times[Math.floor(times.length / 2)]!);
  } finally {
    await connection.end();
  }
}

/** p50 ratio largest/smallest and req/s ratio smallest/largest; both must be within the target. */
function compare(name: string, smallest: { queries: Measured[] }, largest: { queries: Measured[] }) {
  const a = smallest.queries.find((m) => m.query === name)!.summary;
  const b = largest.queries.find((m) => m.query === name)!.summary;
  const ratio = Math.round((b.latencyP50Ms / a.latencyP50Ms) * 100) / 100;
  const throughput = Math.round((a.requestsPerSec / b.requestsPerSec) * 100) / 100;
  const sql = (m: { queries: Measured[] }) => m.queries.find((q) => q.query === name)!.sqlMs;
  const sqlRatio = Math.round((sql(largest) / sql(smallest)) * 100) / 100;
  return { ratio, throughputRatio: throughput, sqlRatio, verdict: Math.max(ratio, throughput) <= TARGET ? 'PASS' : 'MISSED' };
}

function short(users: number): string {
  return users >= 1_000_000 ? `${users / 1_000_000}M` : `${users / 1_000}k`;
}
