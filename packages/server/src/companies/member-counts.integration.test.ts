import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { captureSql, type CapturedStatement } from '../../test/captured-sql.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { bulkInsert } from '../core/db/bulk-insert.js';

/**
 * The Companies and Groups pages show each row's users. Those figures are counted up to 1,000 (1,001 means "more than
 * 1,000"), all rows of a page in one statement, so a page costs the same with a 1,500-member company as with a
 * 1,000,000-member one: on MariaDB, ANALYZE (which runs the statement and reports the rows each step really read)
 * shows no company's or group's count reading more than 1,001 index entries.
 */
const CAP = 1_000;
const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().slice(0, 23).replace('T', ' ');

describe.each(dialects)('the users counted on each company and group (%s)', (dialect) => {
  let roster: TestRoster;
  let client: TestClient;
  let captured: CapturedStatement[] = [];
  const ids = { big: '', small: '', empty: '', bigGroup: '', smallGroup: '', emptyGroup: '' };

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
    await build.aUser(account.id, { email: 'owner@northwind.test', role: Role.OWNER, password: 'pw-owner' });
    ids.big = (await build.aCompany(account.id, 'Big Client')).id;
    ids.small = (await build.aCompany(account.id, 'Small Client')).id;
    ids.empty = (await build.aCompany(account.id, 'Empty Client')).id;
    ids.bigGroup = (await build.aGroup(account.id, 'Big Team')).id;
    ids.smallGroup = (await build.aGroup(account.id, 'Small Team')).id;
    ids.emptyGroup = (await build.aGroup(account.id, 'Empty Team')).id;

    const memberships: unknown[][] = [];
    const members: unknown[][] = [];
    for (let i = 0; i < 1_500; i++) {
      const id = randomUUID();
      const company = i < 1_497 ? ids.big : ids.small;
      memberships.push([id, account.id, `user${i}@client.test`, 'MEMBER', 'ACTIVE', 'CSV', company, at(i), at(i)]);
      members.push([i < 1_498 ? ids.bigGroup : ids.smallGroup, id, account.id]);
    }
    // Another account's users of the same company ids would be counted if the account were not part of the count.
    for (let i = 0; i < 20; i++) {
      const id = randomUUID();
      memberships.push([id, other.id, `user${i}@elsewhere.test`, 'MEMBER', 'ACTIVE', 'CSV', null, at(i), at(i)]);
    }
    await insert(
      'memberships',
      ['id', 'account_id', 'email', 'role', 'status', 'source', 'company_id', 'created_at', 'updated_at'],
      memberships,
    );
    await insert('group_members', ['group_id', 'membership_id', 'account_id'], members);
    if (dialect === 'mysql') await roster.dataSource.query('ANALYZE TABLE memberships, group_members');
    client = new TestClient(roster.url);
    await client.signIn('owner@northwind.test', 'pw-owner');
    captured = captureSql(roster.dataSource);
  });
  afterAll(() => roster?.close());

  /** The counts of one page of `field`, by name, and the statements that counted them. */
  async function countsOf(field: 'companies' | 'groups', table: string) {
    captured.length = 0;
    const answer = await client.gql(`{ ${field}(page: { first: 100 }) { edges { node { name userCount } } } }`);
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    const counts = Object.fromEntries(
      (answer.data![field].edges as Array<{ node: { name: string; userCount: number } }>).map((edge) => [
        edge.node.name,
        edge.node.userCount,
      ]),
    );
    const statements = captured.filter(({ sql }) => new RegExp(`SELECT 1 AS one FROM ${table}\\b`).test(sql));
    return { counts, statements };
  }

  it('counts each company’s users up to 1,000, the whole page in one statement', async () => {
    const { counts, statements } = await countsOf('companies', 'memberships');
    expect(counts).toEqual({ 'Big Client': CAP + 1, 'Empty Client': 0, 'Small Client': 3 });
    expect(statements).toHaveLength(1);
  });

  it('counts each group’s members up to 1,000, the whole page in one statement', async () => {
    const { counts, statements } = await countsOf('groups', 'group_members');
    expect(counts).toEqual({ 'Big Team': CAP + 1, 'Empty Team': 0, 'Small Team': 2 });
    expect(statements).toHaveLength(1);
  });

  it('keeps the figure exact up to the cap as members come and go', async () => {
    const users = await client.gql('query($c: ID!) { users(filter: { companyId: $c }, page: { first: 2 }) { edges { node { id } } } }', {
      c: ids.big,
    });
    const moved = users.data!.users.edges.map((edge: { node: { id: string } }) => edge.node.id);
    await client.gql('mutation($ids: [ID!]!, $c: ID) { setUsersCompany(input: { userIds: $ids, companyId: $c }) { users { id } } }', {
      ids: moved,
      c: ids.empty,
    });
    await client.gql('mutation($g: ID!, $ids: [ID!]!) { addGroupMembers(input: { groupId: $g, userIds: $ids }) { users { id } } }', {
      g: ids.emptyGroup,
      ids: moved,
    });
    expect((await countsOf('companies', 'memberships')).counts).toMatchObject({ 'Empty Client': 2, 'Big Client': CAP + 1 });
    expect((await countsOf('groups', 'group_members')).counts).toMatchObject({ 'Empty Team': 2 });
    const one = await client.gql('query($c: ID!) { company(id: $c) { userCount } }', { c: ids.empty });
    expect(one.data!.company.userCount).toBe(2);
  });

  it('reads no count when the query does not ask for totalCount (the dashboard’s pickers page through names only)', async () => {
    for (const [field, table] of [
      ['companies', 'companies'],
      ['groups', 'user_groups'],
    ] as const) {
      const reads = async (selection: string) => {
        captured.length = 0;
        const answer = await client.gql(`{ ${field}(page: { first: 1 }, search: "sm") { ${selection} edges { node { name } } } }`);
        expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
        expect(answer.data![field].edges.map((edge: { node: { name: string } }) => edge.node.name)).toEqual([
          `Small ${field === 'companies' ? 'Client' : 'Team'}`,
        ]);
        return captured.filter(({ sql }) => new RegExp(`FROM ${table}\\b`).test(sql)).length;
      };
      expect(await reads('pageInfo { hasNextPage }')).toBe(1);
      expect(await reads('totalCount')).toBe(2);
    }
  });

  it.runIf(dialect === 'mysql')('reads at most 1,001 index entries per company or group, through its index (MariaDB ANALYZE)', async () => {
    for (const [field, table, indexes] of [
      ['companies', 'memberships', ['ix_memberships_account_company_email']],
      ['groups', 'group_members', ['PRIMARY']],
    ] as const) {
      const { statements } = await countsOf(field, table);
      const [{ sql, params }] = statements as [CapturedStatement];
      const plan: Array<{ table: string; type: string; key: string | null }> = await roster.dataSource.query(`EXPLAIN ${sql}`, params);
      const reads = plan.filter((row) => row.table === 't');
      expect(reads, JSON.stringify(plan)).toHaveLength(3);
      for (const read of reads) {
        expect(indexes, JSON.stringify(plan)).toContain(read.key);
        expect(['ref', 'range'], JSON.stringify(plan)).toContain(read.type);
      }
      const analyzed: Array<Record<string, string>> = await roster.dataSource.query(`ANALYZE FORMAT=JSON ${sql}`, params);
      const tableReads = tablesIn(JSON.parse(Object.values(analyzed[0]!)[0]!)).filter((read) => read.table_name === 't');
      expect(tableReads, JSON.stringify(analyzed)).toHaveLength(3);
      const rowsRead = tableReads.map((read) => Number(read.r_rows) * Number(read.r_loops ?? 1));
      expect(Math.max(...rowsRead), JSON.stringify(tableReads)).toBeLessThanOrEqual(CAP + 1);
      expect(
        rowsRead.reduce((a, b) => a + b),
        JSON.stringify(tableReads),
      ).toBeLessThanOrEqual(CAP + 1 + 3 + 2);
    }
  });
});

/** Every `table` object of a MariaDB ANALYZE FORMAT=JSON answer (what each step read: r_loops, r_rows). */
function tablesIn(node: unknown): Array<Record<string, unknown>> {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(tablesIn);
  const own = 'table' in node && node.table && typeof node.table === 'object' ? [node.table as Record<string, unknown>] : [];
  return [...own, ...Object.values(node).flatMap(tablesIn)];
}
