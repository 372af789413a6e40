import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { captureSql, type CapturedStatement } from '../../test/captured-sql.js';
import { Role, UserStatus } from './roles.js';

/**
 * The Users page must cost the same in an account of any size: MariaDB's plan for every order and filter walks an
 * index and stops at the page, instead of sorting (filesort) or reading all of the account's memberships. These tests
 * run EXPLAIN on the SQL the page really sends (captured from the data source) over a few thousand users.
 */
const USERS = `query Users($page: PageArgs, $filter: UserFilter, $orderBy: UserOrder) {
  users(page: $page, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id email name role status lastActiveAt company { name } groups { name } } }
  }
}`;

interface PlanRow {
  table: string;
  type: string;
  key: string | null;
  rows: number | string | null;
  /** ANALYZE only: rows really read. */
  r_rows?: number | string | null;
  Extra: string | null;
}

const USERS_IN_ACCOUNT = 8_000;

describe.each(dialects.filter((d) => d === 'mysql'))('the Users page query plans (%s)', (dialect) => {
  let roster: TestRoster;
  let client: TestClient;
  let ids: { company: string; bigGroup: string; smallGroup: string };
  let captured: CapturedStatement[] = [];

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Northwind' });
    const other = await build.anAccount({ name: 'Elsewhere' });
    const companies = await Promise.all(Array.from({ length: 20 }, (_, i) => build.aCompany(account.id, `Company ${i}`)));
    const bigGroup = await build.aGroup(account.id, 'Everyone-ish');
    const smallGroup = await build.aGroup(account.id, 'Board');
    ids = { company: companies[3]!.id, bigGroup: bigGroup.id, smallGroup: smallGroup.id };
    await build.aUser(account.id, { email: 'owner@northwind.test', name: 'Olive Owner', role: Role.OWNER, password: 'pw-owner' });
    for (const [accountId, n] of [
      [account.id, USERS_IN_ACCOUNT],
      [other.id, 2_000],
    ] as const) {
      for (let start = 0; start < n; start += 500) {
        const rows: unknown[][] = [];
        const members: unknown[][] = [];
        for (let i = start; i < Math.min(n, start + 500); i++) {
          const id = randomUUID();
          const status = i % 10 < 7 ? UserStatus.ACTIVE : i % 10 < 9 ? UserStatus.INVITED : UserStatus.SUSPENDED;
          const role = i % 100 === 0 ? Role.ADMIN : Role.MEMBER;
          const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 23).replace('T', ' ');
          const active = status === UserStatus.ACTIVE && i % 3 ? at : null;
          const company = accountId === account.id ? companies[i % 20]!.id : null;
          rows.push([id, accountId, `user${i}@client${i % 50}.test`, `Name ${i}`, role, status, 'CSV', company, active, at, at]);
          if (accountId === account.id && i % 10 < 7) members.push([bigGroup.id, id, accountId]);
          if (accountId === account.id && i % 400 === 1) members.push([smallGroup.id, id, accountId]);
        }
        await roster.dataSource.query(
          'INSERT INTO memberships (id, account_id, email, name, role, status, source, company_id, last_active_at, created_at, updated_at) VALUES ' +
            rows.map((r) => `(${r.map(() => '?').join(', ')})`).join(', '),
          rows.flat(),
        );
        if (members.length)
          await roster.dataSource.query(
            'INSERT INTO group_members (group_id, membership_id, account_id) VALUES ' + members.map(() => '(?, ?, ?)').join(', '),
            members.flat(),
          );
      }
    }
    await roster.dataSource.query('ANALYZE TABLE memberships, group_members');
    client = new TestClient(roster.url);
    await client.signIn('owner@northwind.test', 'pw-owner');
    captured = captureSql(roster.dataSource);
  });
  afterAll(() => roster?.close());

  /** The page's SELECT statements (not its count, companies or groups) for one request, with their plans. */
  async function plansOf(variables: Record<string, unknown>): Promise<Array<{ sql: string; plan: PlanRow[] }>> {
    captured.length = 0;
    const result = await client.gql(USERS, variables);
    expect(result.errors).toBeUndefined();
    expect(result.data!.users.edges.length).toBeGreaterThan(0);
    const pages = captured.filter(({ sql }) => /^SELECT m\.id AS id/.test(sql) && /ORDER BY/.test(sql));
    expect(pages.length).toBeGreaterThan(0);
    return Promise.all(
      pages.map(async ({ sql, params }) => ({ sql, plan: (await roster.dataSource.query(`EXPLAIN ${sql}`, params)) as PlanRow[] })),
    );
  }

  function membershipsRead(plan: PlanRow[]): PlanRow {
    const row = plan.find((r) => r.table === 'm');
    expect(row, JSON.stringify(plan)).toBeDefined();
    return row!;
  }

  for (const [field, index] of [
    ['EMAIL', 'ix_memberships_account_email_id'],
    ['NAME', 'ix_memberships_account_name_id'],
    ['LAST_ACTIVE_AT', 'ix_memberships_account_active_id'],
    ['CREATED_AT', 'ix_memberships_account_created_id'],
    ['ROLE', 'ix_memberships_account_role_email'],
    ['STATUS', 'ix_memberships_account_status_email'],
  ] as const) {
    for (const direction of ['ASC', 'DESC']) {
      it(`reads the ${field} ${direction} order through ${index}, without sorting, on the first and a later page`, async () => {
        const orderBy = { field, direction };
        const first = await client.gql(USERS, { orderBy, page: { first: 50 } });
        for (const page of [{ first: 50 }, { first: 50, after: first.data!.users.pageInfo.endCursor }]) {
          for (const { sql, plan } of await plansOf({ orderBy, page })) {
            expect(plan.map((r) => r.Extra ?? '').join(' '), sql).not.toMatch(/filesort|temporary/);
            expect(membershipsRead(plan)).toMatchObject({ key: index });
            expect(membershipsRead(plan).type, sql).not.toBe('ALL');
          }
        }
      });
    }
  }

  it('reads each filter, in the default order, through its own index without sorting', async () => {
    for (const [filter, index] of [
      [{ statuses: ['INVITED'] }, 'ix_memberships_account_status_email'],
      [{ roles: ['ADMIN'] }, 'ix_memberships_account_role_email'],
      [{ companyId: ids.company }, 'ix_memberships_account_company_email'],
      [{ companyId: ids.company, statuses: ['ACTIVE'] }, 'ix_memberships_account_company_email'],
      [{ companyId: ids.company, roles: ['MEMBER'] }, 'ix_memberships_account_company_email'],
    ] as const) {
      for (const { sql, plan } of await plansOf({ filter })) {
        expect(plan.map((r) => r.Extra ?? '').join(' '), sql).not.toMatch(/filesort|temporary/);
        expect(membershipsRead(plan), JSON.stringify(filter)).toMatchObject({ key: index });
        expect(['ref', 'range'], JSON.stringify(plan)).toContain(membershipsRead(plan).type);
      }
    }
  });

  it('reads a group of one user in 100 or more by walking the page order and keeping its members, without sorting', async () => {
    for (const orderBy of [undefined, { field: 'NAME', direction: 'DESC' }]) {
      for (const { sql, plan } of await plansOf({ filter: { groupId: ids.bigGroup }, orderBy })) {
        expect(plan.map((r) => r.Extra ?? '').join(' '), sql).not.toMatch(/filesort|temporary/);
        expect(membershipsRead(plan).key).toBe(orderBy ? 'ix_memberships_account_name_id' : 'ix_memberships_account_email_id');
        expect(
          plan.find((r) => r.table === 'gm'),
          JSON.stringify(plan),
        ).toMatchObject({ key: 'PRIMARY', type: 'eq_ref' });
      }
    }
  });

  it('reads a small group from its member list, sorting only its members', async () => {
    for (const { sql, plan } of await plansOf({ filter: { groupId: ids.smallGroup } })) {
      expect(plan[0], sql).toMatchObject({ table: 'gm', key: 'PRIMARY', type: 'ref' });
      expect(Number(plan[0]!.rows)).toBeLessThan(50);
      expect(membershipsRead(plan)).toMatchObject({ key: 'PRIMARY', type: 'eq_ref' });
    }
  });

  /** The statements of one request matching `pattern`, run again under ANALYZE: the plan with the rows really read (r_rows). */
  async function analyzed(variables: Record<string, unknown>, pattern: RegExp): Promise<Array<{ sql: string; plan: PlanRow[] }>> {
    captured.length = 0;
    const result = await client.gql(USERS, variables);
    expect(result.errors).toBeUndefined();
    const statements = captured.filter(({ sql }) => pattern.test(sql));
    expect(statements.length).toBeGreaterThan(0);
    return Promise.all(
      statements.map(async ({ sql, params }) => ({ sql, plan: (await roster.dataSource.query(`ANALYZE ${sql}`, params)) as PlanRow[] })),
    );
  }

  const BRANCH_INDEX: Array<[RegExp, RegExp]> = [
    [/ORDER BY m\.email (ASC|DESC)/, /^(ix_memberships_account_email_id|uq_memberships_account_email)$/],
    [/ORDER BY m\.name/, /^ix_memberships_account_name_id$/],
    [/ORDER BY m\.email_domain/, /^ix_memberships_account_domain_email$/],
  ];

  it('searches each branch (email, name, domain) in its own index order, reading the page and stopping, whatever orderBy says', async () => {
    // 8,000 emails start with "user", 1,111 names with "Name 1", 1,760 domains with "client1": a page reads 51 of them.
    for (const search of ['user', 'name 1', 'client1']) {
      for (const orderBy of [undefined, { field: 'NAME', direction: 'DESC' }, { field: 'LAST_ACTIVE_AT', direction: 'ASC' }]) {
        const first = await client.gql(USERS, { filter: { search }, orderBy, page: { first: 50 } });
        expect(first.data!.users.edges).toHaveLength(50);
        for (const page of [{ first: 50 }, { first: 50, after: first.data!.users.pageInfo.endCursor }, { last: 50 }]) {
          for (const { sql, plan } of await analyzed({ filter: { search }, orderBy, page }, /^SELECT m\.id AS id.*ORDER BY/s)) {
            expect(plan.map((r) => r.Extra ?? '').join(' '), sql).not.toMatch(/filesort|temporary/);
            const [, index] = BRANCH_INDEX.find(([order]) => order.test(sql))!;
            expect(membershipsRead(plan).key, sql).toMatch(index);
            // 'ref' when every user of the account matches (it walks the account's part of the index from its start).
            expect(['range', 'ref'], sql).toContain(membershipsRead(plan).type);
            expect(Number(membershipsRead(plan).r_rows), JSON.stringify(page) + JSON.stringify(plan)).toBeLessThanOrEqual(51);
          }
        }
      }
    }
  });

  it('searches with another filter without sorting the matches', async () => {
    for (const filter of [
      { search: 'user', statuses: ['INVITED'] },
      { search: 'user', companyId: ids.company },
      { search: 'user', roles: ['MEMBER'] },
    ]) {
      for (const { sql, plan } of await analyzed({ filter }, /^SELECT m\.id AS id.*ORDER BY/s)) {
        expect(plan.map((r) => r.Extra ?? '').join(' '), sql).not.toMatch(/filesort|temporary/);
        expect(membershipsRead(plan).type, sql).not.toBe('ALL');
        // Rows read until 26 match: one in five is invited, one in twenty at the company.
        expect(Number(membershipsRead(plan).r_rows), JSON.stringify(plan)).toBeLessThanOrEqual(26 * 20);
      }
    }
  });

  it('counts a search up to 1,001 matches, reading no more index entries than that', async () => {
    // A text no earlier test searched: a count of more than 1,000 is reused until the account changes, so 'user'
    // (searched above) would send no COUNT at all.
    for (const { sql, plan } of await analyzed(
      { filter: { search: 'USE' } },
      /^SELECT COUNT\(\*\) AS n FROM \(SELECT 1 AS one FROM memberships/,
    )) {
      expect(['range', 'ref'], sql).toContain(membershipsRead(plan).type);
      expect(Number(membershipsRead(plan).r_rows), sql).toBeLessThanOrEqual(1_001);
    }
    const result = await client.gql(USERS, { filter: { search: 'use' } });
    expect(result.data!.users.totalCount).toBe(1_001);
  });
});
