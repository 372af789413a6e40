import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { captureSql, type CapturedStatement } from '../../../test/captured-sql.js';
import { bulkInsert } from '../db/bulk-insert.js';

/**
 * The lists that grow besides the Users page (the audit log, an import's rows, a sync run's items, an endpoint's
 * deliveries, companies, groups) must cost the same however long they get: MariaDB's plan for each order, filter and
 * search walks an index and stops at the page, without sorting (filesort) or reading the account's whole table, and
 * their counts stop at 10,001. EXPLAIN runs on the SQL each list really sends (captured from the data source) over a
 * few thousand rows. Several values of one filter are read one branch per value and merged: only the merge (at most a
 * page per branch) may be sorted.
 */
interface PlanRow {
  table: string;
  type: string;
  key: string | null;
  rows: number | string | null;
  Extra: string | null;
}

const ACTIONS = ['user.invited', 'user.accepted', 'user.role_changed', 'company.created', 'group.created', 'email.bounced'];
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 23).replace('T', ' ');

describe.each(dialects.filter((d) => d === 'mysql'))('the growing lists’ query plans (%s)', (dialect) => {
  let roster: TestRoster;
  let client: TestClient;
  const ids = { account: '', person: '', target: '', job: '', run: '', endpoint: '' };
  let captured: CapturedStatement[] = [];

  const insert = (table: string, columns: string[], rows: unknown[][]) => bulkInsert(roster.dataSource.manager, table, columns, rows);

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Northwind' });
    const other = await build.anAccount({ name: 'Elsewhere' });
    ids.account = account.id;
    await build.aUser(account.id, { email: 'owner@northwind.test', name: 'Olive Owner', role: 'OWNER' as never, password: 'pw-owner' });
    ids.person = randomUUID();
    ids.target = randomUUID();

    const audit: unknown[][] = [];
    for (const [accountId, n] of [
      [account.id, 6_000],
      [other.id, 2_000],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const action = i % 100 === 7 ? 'user.suspended' : ACTIONS[i % ACTIONS.length]!;
        const actorType = [
          'PERSON',
          'PERSON',
          'PERSON',
          'PERSON',
          'PERSON',
          'INTEGRATION',
          'INTEGRATION',
          'INTEGRATION',
          'SYSTEM',
          'API_KEY',
        ][i % 10]!;
        const actorId = actorType === 'SYSTEM' ? null : actorType === 'PERSON' && i % 50 === 0 ? ids.person : randomUUID();
        const targetId = i % 200 === 3 ? ids.target : randomUUID();
        const email = action.startsWith('user.') ? `user${i}@client${i % 50}.test` : null;
        audit.push([randomUUID(), accountId, actorType, actorId, action, targetId, email, '{}', at(i)]);
      }
    }
    await insert(
      'audit_events',
      ['id', 'account_id', 'actor_type', 'actor_id', 'action', 'target_id', 'target_email', 'details', 'created_at'],
      audit,
    );

    for (const [table, prefix] of [
      ['companies', 'Client'],
      ['user_groups', 'Team'],
    ] as const) {
      const rows: unknown[][] = [];
      for (const [accountId, n] of [
        [account.id, 3_000],
        [other.id, 1_000],
      ] as const) {
        for (let i = 0; i < n; i++) rows.push([randomUUID(), accountId, `${prefix} ${String(i).padStart(5, '0')}`, at(i)]);
      }
      await insert(table, ['id', 'account_id', 'name', 'created_at'], rows);
    }

    ids.job = randomUUID();
    await insert(
      'import_jobs',
      ['id', 'account_id', 'origin', 'state', 'total_rows', 'processed_rows', 'created_at'],
      [[ids.job, account.id, 'FILE', 'FINISHED', 5_000, 5_000, at(0)]],
    );
    const importRows: unknown[][] = [[ids.job, 0, account.id, 1, '[]', 'HEADER', null]];
    for (let i = 1; i <= 5_000; i++) {
      const verdict = i % 50 === 0 ? 'INVALID' : i % 20 === 0 ? 'DUPLICATE' : 'NEW';
      const outcome = verdict === 'INVALID' ? 'INVALID' : verdict === 'DUPLICATE' ? 'DUPLICATE' : i % 400 === 1 ? 'SEAT_LIMIT' : 'INVITED';
      importRows.push([ids.job, i, account.id, i + 1, '["x"]', verdict, outcome]);
    }
    await insert('import_rows', ['job_id', 'row_index', 'account_id', 'line', 'cells', 'verdict', 'outcome'], importRows);

    const integration = await build.aScimIntegration(account.id);
    ids.run = randomUUID();
    await insert(
      'sync_runs',
      ['id', 'account_id', 'integration_id', 'state', 'stage', 'trigger', 'counts', 'item_count', 'created_at'],
      [[ids.run, account.id, integration.id, 'SUCCEEDED', 'DONE', 'MANUAL', '{}', 5_000, at(0)]],
    );
    const items: unknown[][] = [];
    for (let i = 0; i < 5_000; i++) {
      items.push([ids.run, i, account.id, 'USER', `user${i}@client.test`, i % 100 === 5 ? 'FAILED' : i % 3 ? 'CREATED' : 'UPDATED']);
    }
    await insert('sync_run_items', ['run_id', 'position', 'account_id', 'resource_type', 'label', 'action'], items);

    ids.endpoint = randomUUID();
    const otherEndpoint = randomUUID();
    await insert(
      'webhook_endpoints',
      ['id', 'account_id', 'url', 'events', 'sealed_secret', 'secret_prefix', 'enabled', 'created_at', 'updated_at'],
      [
        [ids.endpoint, account.id, 'https://hooks.example/a', 'user.invited', 'sealed', 'whsec_x', true, at(0), at(0)],
        [otherEndpoint, account.id, 'https://hooks.example/b', 'user.invited', 'sealed', 'whsec_y', true, at(0), at(0)],
      ],
    );
    const deliveries: unknown[][] = [];
    for (let i = 0; i < 6_000; i++) {
      const endpoint = i % 6 === 5 ? otherEndpoint : ids.endpoint;
      deliveries.push([randomUUID(), account.id, endpoint, randomUUID(), 'user.invited', '{}', 'SUCCEEDED', 1, at(i), at(i)]);
    }
    await insert(
      'webhook_deliveries',
      ['id', 'account_id', 'endpoint_id', 'event_id', 'event_type', 'payload', 'state', 'attempts', 'next_attempt_at', 'created_at'],
      deliveries,
    );

    await roster.dataSource.query('ANALYZE TABLE audit_events, companies, user_groups, import_rows, sync_run_items, webhook_deliveries');
    client = new TestClient(roster.url);
    await client.signIn('owner@northwind.test', 'pw-owner');
    captured = captureSql(roster.dataSource);
  });
  afterAll(() => roster?.close());

  /**
   * Runs the list's query on its first and second page and returns the plans of every statement that reads `table`
   * (its page, its count and any lookup it needs), with the answer's count.
   */
  async function plansOf(
    table: string,
    document: string,
    variables: Record<string, unknown>,
    connectionOf: (data: Record<string, any>) => { totalCount: number; pageInfo: { endCursor: string | null } },
  ): Promise<{ totals: number[]; plans: Array<{ sql: string; plan: PlanRow[] }> }> {
    const totals: number[] = [];
    const plans: Array<{ sql: string; plan: PlanRow[] }> = [];
    let after: string | null = null;
    for (let pageNumber = 0; pageNumber < 2; pageNumber++) {
      captured.length = 0;
      const result = await client.gql(document, { ...variables, page: { first: 20, after } });
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      const connection = connectionOf(result.data!);
      totals.push(connection.totalCount);
      after = connection.pageInfo.endCursor;
      expect(after, 'the list has a second page').not.toBeNull();
      for (const { sql, params } of captured.filter(({ sql }) => /^SELECT/i.test(sql) && new RegExp(`\\b${table}\\b`).test(sql))) {
        plans.push({ sql, plan: (await roster.dataSource.query(`EXPLAIN ${sql}`, params)) as PlanRow[] });
      }
    }
    expect(plans.length).toBeGreaterThan(0);
    return { totals, plans };
  }

  /** Every read of the table uses one of `indexes`, none reads it whole or sorts it; only a merge of branches is sorted. */
  function expectIndexed(plans: Array<{ sql: string; plan: PlanRow[] }>, alias: string, indexes: string[]): void {
    for (const { sql, plan } of plans) {
      const reads = plan.filter((r) => r.table === alias);
      expect(reads.length, sql + JSON.stringify(plan)).toBeGreaterThan(0);
      for (const read of reads) {
        expect(indexes, sql + JSON.stringify(plan)).toContain(read.key);
        expect(read.type, sql).not.toBe('ALL');
        // A search by the start of the target email sorts its matches (a range of the email index), like the Users search.
        if (read.key === 'ix_audit_account_email_time') expect(read.type).toBe('range');
        else expect(read.Extra ?? '', sql + JSON.stringify(plan)).not.toMatch(/filesort|temporary/);
      }
      for (const row of plan.filter((r) => /filesort|temporary/.test(r.Extra ?? '') && r.key !== 'ix_audit_account_email_time')) {
        expect(row.table, `only a merge of branches is sorted: ${sql} ${JSON.stringify(plan)}`).toMatch(/^<(derived|union)/);
      }
    }
  }

  const AUDIT = `query Audit($filter: AuditEventFilter, $page: PageArgs) {
    auditEvents(filter: $filter, page: $page) { totalCount pageInfo { endCursor } edges { cursor node { id action actorType targetEmail } } }
  }`;

  it('reads the audit log newest first through an index per filter, without sorting it', async () => {
    for (const [filter, indexes, total] of [
      [undefined, ['ix_audit_account_time'], 6_000],
      [{ from: '2026-01-02T00:00:00Z', to: '2026-01-03T00:00:00Z' }, ['ix_audit_account_time'], 1_440],
      [{ targetId: ids.target }, ['ix_audit_account_target'], 30],
      [{ actorId: ids.person }, ['ix_audit_account_actor_time'], 120],
      [{ actions: ['user.invited'] }, ['ix_audit_account_action_actor_time'], 1_000],
      [{ actions: ['user.suspended', 'email.bounced'] }, ['ix_audit_account_action_actor_time'], 60 + 980],
      [{ actions: ['user.invited'], actorTypes: ['PERSON'] }, ['ix_audit_account_action_actor_time'], 600],
      [{ actorTypes: ['SYSTEM', 'API_KEY'] }, ['ix_audit_account_actor_type_time'], 1_200],
    ] as const) {
      const { totals, plans } = await plansOf('audit_events', AUDIT, { filter }, (data) => data.auditEvents);
      expect(totals, JSON.stringify(filter)).toEqual([total, total]);
      expectIndexed(plans, 'a', [...indexes]);
    }
  });

  it('pages back and forth through merged branches to the same events', async () => {
    const filter = { actions: ['user.suspended', 'email.bounced'] };
    const first = (await client.gql(AUDIT, { filter, page: { first: 20 } })).data!.auditEvents;
    const second = (await client.gql(AUDIT, { filter, page: { first: 20, after: first.pageInfo.endCursor } })).data!.auditEvents;
    const back = (await client.gql(AUDIT, { filter, page: { last: 20, before: second.edges[0].cursor } })).data!.auditEvents;
    const ids = (connection: { edges: Array<{ node: { id: string } }> }) => connection.edges.map((edge) => edge.node.id);
    expect(ids(back)).toEqual(ids(first));
    expect(new Set([...ids(first), ...ids(second)]).size).toBe(40);
    expect(second.edges.map((edge: { node: { action: string } }) => edge.node.action)).toContain('user.suspended');
  });

  it('searches the audit log by the start of the target email or of the action, through their indexes', async () => {
    const byEmail = await plansOf('audit_events', AUDIT, { filter: { search: 'USER12' } }, (data) => data.auditEvents);
    expect(byEmail.totals[0]).toBeGreaterThan(20);
    expectIndexed(byEmail.plans, 'a', ['ix_audit_account_email_time', 'ix_audit_account_action_actor_time']);
    const byAction = await plansOf('audit_events', AUDIT, { filter: { search: 'group.' } }, (data) => data.auditEvents);
    expect(byAction.totals).toEqual([1_000, 1_000]);
    expectIndexed(byAction.plans, 'a', ['ix_audit_account_email_time', 'ix_audit_account_action_actor_time']);
  });

  it('stops counting the audit log at 10,001', async () => {
    await roster.dataSource.query(
      `INSERT INTO audit_events (id, account_id, actor_type, action, created_at)
       SELECT UUID(), account_id, actor_type, action, created_at FROM audit_events WHERE account_id = ?`,
      [ids.account],
    );
    const answer = await client.gql(AUDIT, {});
    expect(answer.data!.auditEvents.totalCount).toBe(10_001);
    await roster.dataSource.query('DELETE FROM audit_events WHERE details IS NULL');
  });

  it('reads an import’s rows in file order through its indexes, per verdict and per outcome', async () => {
    const ROWS = `query Rows($id: ID!, $page: PageArgs, $verdict: ImportRowVerdict, $outcomes: [ImportRowOutcome!]) {
      importJob(id: $id) { rows(page: $page, verdict: $verdict, outcomes: $outcomes) { totalCount pageInfo { endCursor } edges { node { line } } } }
    }`;
    for (const [variables, indexes, total] of [
      [{}, ['PRIMARY', 'ix_import_rows_verdict', 'ix_import_rows_pending'], 5_000],
      [{ verdict: 'DUPLICATE' }, ['ix_import_rows_verdict'], 200],
      [{ outcomes: ['INVALID', 'SEAT_LIMIT_REACHED'] }, ['ix_import_rows_pending'], 100 + 13],
    ] as const) {
      const { totals, plans } = await plansOf('import_rows', ROWS, { id: ids.job, ...variables }, (data) => data.importJob.rows);
      expect(totals, JSON.stringify(variables)).toEqual([total, total]);
      expectIndexed(plans, 'r', [...indexes]);
    }
  });

  it('reads a sync run’s items in order through its indexes, per action', async () => {
    const ITEMS = `query Items($id: ID!, $page: PageArgs, $action: SyncItemAction) {
      syncRun(id: $id) { items(page: $page, action: $action) { totalCount pageInfo { endCursor } edges { node { position label } } } }
    }`;
    for (const [action, index, total] of [
      [undefined, 'PRIMARY', 5_000],
      ['FAILED', 'ix_sync_run_items_action', 50],
    ] as const) {
      const { totals, plans } = await plansOf('sync_run_items', ITEMS, { id: ids.run, action }, (data) => data.syncRun.items);
      expect(totals).toEqual([total, total]);
      expectIndexed(plans, 't', [index, 'ix_sync_run_items_action']);
    }
  });

  it('reads an endpoint’s deliveries newest first through its index', async () => {
    const DELIVERIES = `query Deliveries($endpointId: ID!, $page: PageArgs) {
      webhookDeliveries(endpointId: $endpointId, page: $page) { totalCount pageInfo { endCursor } edges { node { id } } }
    }`;
    const { totals, plans } = await plansOf(
      'webhook_deliveries',
      DELIVERIES,
      { endpointId: ids.endpoint },
      (data) => data.webhookDeliveries,
    );
    expect(totals).toEqual([5_000, 5_000]);
    expectIndexed(plans, 'd', ['ix_webhook_deliveries_endpoint']);
  });

  it('reads companies and groups by name, and searches the start of the name, through the name index', async () => {
    for (const [field, table, index, prefix] of [
      ['companies', 'companies', 'uq_companies_account_name', 'client 01'],
      ['groups', 'user_groups', 'uq_user_groups_account_name', 'TEAM 02'],
    ] as const) {
      const document = `query Named($page: PageArgs, $search: String) { ${field}(page: $page, search: $search) { totalCount pageInfo { endCursor } edges { node { name } } } }`;
      const all = await plansOf(table, document, {}, (data) => data[field]);
      expect(all.totals).toEqual([3_000, 3_000]);
      expectIndexed(all.plans, 't', [index]);
      const searched = await plansOf(table, document, { search: prefix }, (data) => data[field]);
      expect(searched.totals).toEqual([1_000, 1_000]);
      expectIndexed(searched.plans, 't', [index]);
    }
  });
});
