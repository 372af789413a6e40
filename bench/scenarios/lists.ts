import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { builders } from '../../packages/server/test/builders.js';
import { createLoaders } from '../../packages/server/src/app/loaders.js';
import { listByName } from '../../packages/server/src/core/lists/named-list.js';
import { CompanyEntity } from '../../packages/server/src/companies/company.entity.js';
import { GroupEntity } from '../../packages/server/src/groups/group.entity.js';
import { listImportRows } from '../../packages/server/src/imports/import-rows-list.js';
import { ImportRowOutcome } from '../../packages/server/src/imports/import.types.js';
import { listSyncRunItems } from '../../packages/server/src/integrations/sync/run-items-list.js';
import { SyncItemAction } from '../../packages/server/src/integrations/sync/sync-run-item.entity.js';
import { AuditActorType } from '../../packages/server/src/audit/audit-log.types.js';
import { waitForFlushedBufferPool, withThrowawayDatabase } from '../lib/mariadb.js';
import { machineInfo, printTable, round2, writeResult } from '../lib/report.js';
import { startBenchRoster, type BenchRoster } from '../lib/roster.js';
import { prng, sqlDateTime } from '../lib/seed.js';

/**
 * The growing lists other than the Users page (the audit log, an import's rows, a sync run's items, an endpoint's
 * webhook deliveries, companies) at 10,000 and 100,000 rows: the first page of 25 and its count, read through the
 * services as the API reads them, median of RUNS. Each list should cost the same at both sizes (ratio near 1).
 * The Companies and Groups pages also show each row's users: the account's n users are spread over 5 companies and
 * 5 groups of the first page (n / 5 each), counted per page by the request's loaders (capped at 1,000 per row), and
 * for contrast by the exact GROUP BY count those pages used before.
 */
type DataSource = BenchRoster['roster']['dataSource'];

const SIZES = (process.env.BENCH_LISTS_SIZES ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_LISTS_RUNS ?? 40);
const ACTIONS = ['user.invited', 'user.accepted', 'user.role_changed', 'company.created', 'group.created', 'email.bounced'];
const ACTOR_TYPES = ['PERSON', 'PERSON', 'PERSON', 'INTEGRATION', 'SYSTEM', 'API_KEY'];

interface Seeded {
  accountId: string;
  /** The first page of companies and of groups, by name (the first 5 of each hold all the users). */
  companyIds: string[];
  groupIds: string[];
  jobId: string;
  runId: string;
  endpointId: string;
}

async function insert(dataSource: DataSource, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    const chunk = rows.slice(start, start + 1000);
    await dataSource.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ` + chunk.map((r) => `(${r.map(() => '?').join(', ')})`).join(', '),
      chunk.flat(),
    );
  }
}

async function seed(dataSource: DataSource, n: number): Promise<Seeded> {
  const random = prng(n);
  const build = builders(dataSource);
  const account = await build.anAccount({ name: `Lists ${n}` });
  const at = (i: number) => sqlDateTime(new Date(Date.UTC(2026, 0, 1) + i * 1000));
  const range = (f: (i: number) => unknown[]) => Array.from({ length: n }, (_, i) => f(i));
  await insert(
    dataSource,
    'audit_events',
    ['id', 'account_id', 'actor_type', 'actor_id', 'action', 'target_id', 'target_email', 'details', 'created_at'],
    range((i) => {
      const action = i % 100 === 7 ? 'user.suspended' : ACTIONS[Math.floor(random() * ACTIONS.length)]!;
      const email = action.startsWith('user.') ? `user${i}@client${i % 500}.test` : null;
      return [randomUUID(), account.id, ACTOR_TYPES[i % ACTOR_TYPES.length], randomUUID(), action, randomUUID(), email, '{}', at(i)];
    }),
  );
  await insert(
    dataSource,
    'companies',
    ['id', 'account_id', 'name', 'created_at'],
    range((i) => [randomUUID(), account.id, `Client ${i}`, at(i)]),
  );
  // The first page of companies by name ("Client 0", "Client 1", "Client 10", ...) and 25 groups; n users in the first 5.
  const firstCompanies: Array<{ id: string }> = await dataSource.query(
    'SELECT id FROM companies WHERE account_id = ? ORDER BY name LIMIT 25',
    [account.id],
  );
  const companyIds = firstCompanies.map((c) => c.id);
  const groupIds = Array.from({ length: 25 }, () => randomUUID());
  await insert(
    dataSource,
    'user_groups',
    ['id', 'account_id', 'name', 'created_at'],
    groupIds.map((id, i) => [id, account.id, `Team ${String(i).padStart(2, '0')}`, at(i)]),
  );
  const memberIds = Array.from({ length: n }, () => randomUUID());
  await insert(
    dataSource,
    'memberships',
    ['id', 'account_id', 'email', 'role', 'status', 'source', 'company_id', 'created_at', 'updated_at'],
    memberIds.map((id, i) => [id, account.id, `user${i}@client${i % 5}.test`, 'MEMBER', 'ACTIVE', 'CSV', companyIds[i % 5], at(i), at(i)]),
  );
  await insert(
    dataSource,
    'group_members',
    ['group_id', 'membership_id', 'account_id'],
    memberIds.map((id, i) => [groupIds[i % 5], id, account.id]),
  );
  const jobId = randomUUID();
  await insert(
    dataSource,
    'import_jobs',
    ['id', 'account_id', 'origin', 'state', 'total_rows', 'processed_rows', 'created_at'],
    [[jobId, account.id, 'FILE', 'FINISHED', n, n, at(0)]],
  );
  await insert(
    dataSource,
    'import_rows',
    ['job_id', 'row_index', 'account_id', 'line', 'cells', 'verdict', 'outcome'],
    range((i) => [
      jobId,
      i,
      account.id,
      i + 2,
      '["x"]',
      i % 50 ? 'NEW' : 'INVALID',
      i % 50 ? (i % 400 === 1 ? 'SEAT_LIMIT' : 'INVITED') : 'INVALID',
    ]),
  );
  const integration = await build.aScimIntegration(account.id);
  const runId = randomUUID();
  await insert(
    dataSource,
    'sync_runs',
    ['id', 'account_id', 'integration_id', 'state', 'stage', '`trigger`', 'counts', 'item_count', 'created_at'],
    [[runId, account.id, integration.id, 'SUCCEEDED', 'DONE', 'MANUAL', '{}', n, at(0)]],
  );
  await insert(
    dataSource,
    'sync_run_items',
    ['run_id', 'position', 'account_id', 'resource_type', 'label', 'action'],
    range((i) => [runId, i, account.id, 'USER', `user${i}@client.test`, i % 100 === 5 ? 'FAILED' : 'CREATED']),
  );
  const endpointId = randomUUID();
  await insert(
    dataSource,
    'webhook_endpoints',
    ['id', 'account_id', 'url', 'events', 'sealed_secret', 'secret_prefix', 'enabled', 'created_at', 'updated_at'],
    [[endpointId, account.id, 'https://hooks.example/a', 'user.invited', 'sealed', 'whsec_x', true, at(0), at(0)]],
  );
  await insert(
    dataSource,
    'webhook_deliveries',
    ['id', 'account_id', 'endpoint_id', 'event_id', 'event_type', 'payload', 'state', 'attempts', 'next_attempt_at', 'created_at'],
    range((i) => [randomUUID(), account.id, endpointId, randomUUID(), 'user.invited', '{}', 'SUCCEEDED', 1, at(i), at(i)]),
  );
  await dataSource.query(
    'ANALYZE TABLE audit_events, companies, user_groups, memberships, group_members, import_rows, sync_run_items, webhook_deliveries',
  );
  return { accountId: account.id, companyIds, groupIds, jobId, runId, endpointId };
}

export default async function main(): Promise<void> {
  console.log(
    `Lists benchmark: the first page (25) and count of each growing list at ${SIZES.map((n) => n.toLocaleString('en')).join(' and ')} rows, median of ${RUNS}`,
  );
  await withThrowawayDatabase(async (db) => {
    const bench = await startBenchRoster(
      db.url,
      {},
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    try {
      const { dataSource, services } = bench.roster;
      const page = { first: 25 };
      const lists: Array<{ name: string; read: (s: Seeded) => Promise<{ totalCount: number }> }> = [
        { name: 'audit log', read: (s) => services.auditLog.list(s.accountId, page, undefined) },
        { name: 'audit: one action', read: (s) => services.auditLog.list(s.accountId, page, { actions: ['user.suspended'] }) },
        { name: 'audit: actor type', read: (s) => services.auditLog.list(s.accountId, page, { actorTypes: [AuditActorType.SYSTEM] }) },
        { name: 'audit: search "user12"', read: (s) => services.auditLog.list(s.accountId, page, { search: 'user12' }) },
        { name: 'import rows', read: (s) => listImportRows(dataSource, s.jobId, page, undefined, undefined) },
        {
          name: 'import rows: failed',
          read: (s) =>
            listImportRows(dataSource, s.jobId, page, undefined, [ImportRowOutcome.INVALID, ImportRowOutcome.SEAT_LIMIT_REACHED]),
        },
        { name: 'sync run items', read: (s) => listSyncRunItems(dataSource, s.runId, page, undefined) },
        { name: 'sync run items: failed', read: (s) => listSyncRunItems(dataSource, s.runId, page, SyncItemAction.FAILED) },
        { name: 'webhook deliveries', read: (s) => services.webhooks.listDeliveries(s.accountId, s.endpointId, page) },
        {
          name: 'companies',
          read: (s) => listByName(dataSource, CompanyEntity, 'uq_companies_account_name', ['id', 'name'], s.accountId, page, null),
        },
        {
          name: 'companies page + users per row',
          read: async (s) => {
            const list = await listByName(dataSource, CompanyEntity, 'uq_companies_account_name', ['id', 'name'], s.accountId, page, null);
            const counts = await createLoaders(dataSource, s.accountId).companyUserCount.loadMany(list.edges.map((e) => e.node.id));
            return { totalCount: (counts as number[]).reduce((a, b) => a + b, 0) };
          },
        },
        {
          name: 'groups page + users per row',
          read: async (s) => {
            const list = await listByName(dataSource, GroupEntity, 'uq_user_groups_account_name', ['id', 'name'], s.accountId, page, null);
            const counts = await createLoaders(dataSource, s.accountId).groupUserCount.loadMany(list.edges.map((e) => e.node.id));
            return { totalCount: (counts as number[]).reduce((a, b) => a + b, 0) };
          },
        },
        {
          name: 'company users, exact (before)',
          read: (s) => exactCounts(dataSource, 'memberships', 'company_id', s.accountId, s.companyIds),
        },
        { name: 'group users, exact (before)', read: (s) => exactCounts(dataSource, 'group_members', 'group_id', s.accountId, s.groupIds) },
        {
          name: 'companies: search "client 12"',
          read: (s) => listByName(dataSource, CompanyEntity, 'uq_companies_account_name', ['id', 'name'], s.accountId, page, 'client 12'),
        },
      ];
      const measured: Record<string, Array<{ rows: number; totalCount: number; medianMs: number }>> = {};
      for (const n of SIZES) {
        const started = performance.now();
        const seeded = await seed(dataSource, n);
        console.log(`- seeded ${n.toLocaleString('en')} rows per list in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        // The seed's pages are still being written back: that flushing would slow whatever is measured next.
        const flushed = await waitForFlushedBufferPool(db.url);
        console.log(`- buffer pool ${flushed.dirtyPercent}% dirty after ${(flushed.waitedMs / 1000).toFixed(1)} s`);
        for (const list of lists) {
          const times: number[] = [];
          let totalCount = 0;
          for (let run = 0; run < RUNS + 3; run++) {
            const t0 = performance.now();
            totalCount = (await list.read(seeded)).totalCount;
            if (run >= 3) times.push(performance.now() - t0);
          }
          times.sort((a, b) => a - b);
          (measured[list.name] ??= []).push({ rows: n, totalCount, medianMs: round2(times[Math.floor(times.length / 2)]!) });
        }
      }
      const rows = Object.entries(measured).map(([name, sizes]) => [
        name,
        ...sizes.map((s) => `${s.medianMs} ms (${s.totalCount.toLocaleString('en')})`),
        sizes.length > 1 ? `${round2(sizes.at(-1)!.medianMs / sizes[0]!.medianMs)}x` : '',
      ]);
      printTable(
        [['list', ...SIZES.map((n) => `${n.toLocaleString('en')} rows: p50 (totalCount)`), 'ratio'], ...rows],
        [false, ...SIZES.map(() => true), true],
      );
      console.log(`\nWrote ${writeResult('lists', { machine: machineInfo(), runs: RUNS, lists: measured })}`);
    } finally {
      await bench.roster.stop();
    }
  });
}

/** What the Companies and Groups pages counted before: every member of the page's rows (GROUP BY), summed. */
async function exactCounts(dataSource: DataSource, table: string, column: string, accountId: string, keys: string[]) {
  const rows: Array<{ n: number | string }> = await dataSource.query(
    `SELECT t.${column} AS k, COUNT(*) AS n FROM ${table} t WHERE t.account_id = ? AND t.${column} IN (${keys.map(() => '?').join(', ')}) GROUP BY t.${column}`,
    [accountId, ...keys],
  );
  return { totalCount: rows.reduce((sum, row) => sum + Number(row.n), 0) };
}
