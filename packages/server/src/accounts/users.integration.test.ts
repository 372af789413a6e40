import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { MembershipEntity } from './membership.entity.js';
import { Role, UserStatus } from './roles.js';

const USERS = `query Users($page: PageArgs, $filter: UserFilter, $orderBy: UserOrder) {
  users(page: $page, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id email name role status isAdministrator invitationPending lastActiveAt company { name } groups { name } } }
  }
}`;

describe.each(dialects)('the Users page query (%s)', (dialect) => {
  let roster: TestRoster;
  let client: TestClient;
  let ids: { contoso: string; fabrikam: string; helpdesk: string; billing: string; accountId: string };

  beforeAll(async () => {
    // No background workers: their polls would land in the SQL counts of the N+1 test at random.
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runSyncEngine: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Northwind' });
    const contoso = await build.aCompany(account.id, 'Contoso');
    const fabrikam = await build.aCompany(account.id, 'Fabrikam');
    const helpdesk = await build.aGroup(account.id, 'Helpdesk');
    const billing = await build.aGroup(account.id, 'Billing');
    ids = { contoso: contoso.id, fabrikam: fabrikam.id, helpdesk: helpdesk.id, billing: billing.id, accountId: account.id };
    await build.aUser(account.id, {
      email: 'owner@northwind.test',
      name: 'Olive Owner',
      role: Role.OWNER,
      password: 'pw-owner',
      lastActiveAt: new Date('2026-11-01T10:00:00Z'),
    });
    await build.aUser(account.id, {
      email: 'ada@contoso.test',
      name: 'Ada Lovelace',
      role: Role.ADMIN,
      companyId: contoso.id,
      groupIds: [helpdesk.id, billing.id],
    });
    await build.aUser(account.id, {
      email: 'invited@contoso.test',
      name: 'Ivy Invited',
      status: UserStatus.INVITED,
      companyId: contoso.id,
      groupIds: [helpdesk.id],
    });
    await build.aUser(account.id, {
      email: 'sus@fabrikam.test',
      name: 'Sue Suspended',
      status: UserStatus.SUSPENDED,
      companyId: fabrikam.id,
    });
    for (let i = 0; i < 56; i++) {
      await build.aUser(account.id, {
        email: `member${String(i).padStart(2, '0')}@fabrikam.test`,
        name: `Member ${i % 7} Fab`,
        status: i % 4 === 0 ? UserStatus.INVITED : UserStatus.ACTIVE,
        companyId: i % 2 ? fabrikam.id : undefined,
        groupIds: i % 3 === 0 ? [billing.id] : [],
        lastActiveAt: i % 5 === 0 ? undefined : new Date(Date.UTC(2026, 10, 1 + (i % 20), i % 24)),
      });
    }
    client = new TestClient(roster.url);
    await client.signIn('owner@northwind.test', 'pw-owner');
  });
  afterAll(() => roster?.close());

  it('lists users with role, status, company, groups and the two badges', async () => {
    const result = await client.gql(USERS, { filter: { companyId: ids.contoso } });
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.users.edges.map((e: any) => e.node);
    expect(nodes).toEqual([
      expect.objectContaining({
        email: 'ada@contoso.test',
        name: 'Ada Lovelace',
        role: 'ADMIN',
        status: 'ACTIVE',
        isAdministrator: true,
        invitationPending: false,
        company: { name: 'Contoso' },
        groups: [{ name: 'Billing' }, { name: 'Helpdesk' }],
      }),
      expect.objectContaining({
        email: 'invited@contoso.test',
        role: 'MEMBER',
        status: 'INVITED',
        isAdministrator: false,
        invitationPending: true,
        groups: [{ name: 'Helpdesk' }],
      }),
    ]);
  });

  it('searches the start of the email or of the name, case-insensitively, treating % and _ literally', async () => {
    const emails = async (search: string) =>
      (await client.gql(USERS, { filter: { search } })).data!.users.edges.map((e: any) => e.node.email as string);
    expect(await emails('ADA')).toEqual(['ada@contoso.test']);
    expect(await emails('ivy inv')).toEqual(['invited@contoso.test']);
    expect(await emails('sus@fab')).toEqual(['sus@fabrikam.test']);
    // Name matches come in name order; these eight share one name.
    expect((await emails('member 3')).sort()).toEqual([
      'member03@fabrikam.test',
      'member10@fabrikam.test',
      'member17@fabrikam.test',
      'member24@fabrikam.test',
      'member31@fabrikam.test',
      'member38@fabrikam.test',
      'member45@fabrikam.test',
      'member52@fabrikam.test',
    ]);
    // Prefix search (served by indexes at any account size): a word inside the name or the email does not match.
    expect(await emails('lovelace')).toEqual([]);
    // A domain finds everyone at a client, with or without its "@", each once; and in another order too.
    const contoso = ['ada@contoso.test', 'invited@contoso.test'];
    expect((await emails('contoso.test')).filter((e: string) => !e.startsWith('member'))).toEqual(contoso);
    expect((await emails('@CONTOSO')).filter((e: string) => !e.startsWith('member'))).toEqual(contoso);
    const byName = await client.gql(USERS, {
      filter: { search: 'fabrikam' },
      orderBy: { field: 'NAME', direction: 'ASC' },
      page: { first: 100 },
    });
    const fabrikam = byName.data!.users.edges.map((e: any) => e.node.email as string);
    expect(fabrikam.length).toBe(byName.data!.users.totalCount);
    expect(new Set(fabrikam).size).toBe(fabrikam.length);
    expect(fabrikam.every((e: string) => e.endsWith('@fabrikam.test'))).toBe(true);
    expect(fabrikam).toContain('sus@fabrikam.test');
    const literal = await client.gql(USERS, { filter: { search: '%' } });
    expect(literal.data!.users.totalCount).toBe(0);
    const search = await client.gql(USERS, { filter: { search: 'member0', statuses: ['INVITED'] } });
    expect(search.data!.users.totalCount).toBe(3);
  });

  it('searches in best-match order (email, then name, then domain matches), each once, whatever the sort, paging both ways', async () => {
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Search' });
    await build.aUser(account.id, { email: 'owner@search.test', name: 'Olive', role: Role.OWNER, password: 'pw-search' });
    for (const [email, name] of [
      ['x@analytics.test', 'Xavier'],
      ['cole@acme.test', 'Anita Cole'],
      ['anna@zeta.test', 'Anna Zed'],
      ['b@andromeda.test', 'Bea'],
      ['brown@acme.test', 'andy Brown'],
      ['ann.lee@acme.test', 'Zed Lee'],
      ['zoe@acme.test', 'Zoe'],
    ]) {
      await build.aUser(account.id, { email, name, status: UserStatus.INVITED });
    }
    const searcher = new TestClient(roster.url);
    await searcher.signIn('owner@search.test', 'pw-search');
    const best = ['ann.lee@acme.test', 'anna@zeta.test', 'brown@acme.test', 'cole@acme.test', 'x@analytics.test', 'b@andromeda.test'];
    for (const orderBy of [undefined, { field: 'NAME', direction: 'DESC' }, { field: 'STATUS', direction: 'ASC' }]) {
      const all = await searcher.gql(USERS, { filter: { search: 'AN' }, orderBy });
      expect(all.data!.users.edges.map((e: any) => e.node.email)).toEqual(best);
      expect(all.data!.users.totalCount).toBe(6);
    }
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: any = await searcher.gql(USERS, { filter: { search: 'an' }, page: { first: 2, after } });
      forward.push(...result.data.users.edges.map((e: any) => e.node.email));
      if (!result.data.users.pageInfo.hasNextPage) break;
      after = result.data.users.pageInfo.endCursor;
    }
    expect(forward).toEqual(best);
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const result: any = await searcher.gql(USERS, { filter: { search: 'an' }, page: { last: 4, before } });
      backward.unshift(...result.data.users.edges.map((e: any) => e.node.email));
      if (!result.data.users.pageInfo.hasPreviousPage) break;
      before = result.data.users.pageInfo.startCursor;
    }
    expect(backward).toEqual(best);
    // A cursor of the sorted list does not page a search (nor the other way round).
    const sorted = await searcher.gql(USERS, { page: { first: 1 } });
    const mixed = await searcher.gql(USERS, { filter: { search: 'an' }, page: { after: sorted.data!.users.pageInfo.endCursor } });
    expect(mixed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });

    // Beyond 1,000 matches the total says 1,001: "more than 1,000" (an exact count would read every match).
    const rows = Array.from({ length: 1_002 }, (_, i) => [randomUUID(), account.id, `bulk${i}@many.test`, 'MEMBER', 'INVITED', 'CSV']);
    await roster.dataSource.query(
      'INSERT INTO memberships (id, account_id, email, role, status, source, created_at, updated_at) VALUES ' +
        rows.map(() => "(?, ?, ?, ?, ?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')").join(', '),
      rows.flat(),
    );
    expect((await searcher.gql(USERS, { filter: { search: 'bulk' } })).data!.users.totalCount).toBe(1_001);
    expect((await searcher.gql(USERS, { filter: { search: '@many' } })).data!.users.totalCount).toBe(1_001);
    expect((await searcher.gql(USERS, { filter: { search: 'bulk1' } })).data!.users.totalCount).toBe(1 + 10 + 100 + 2);
  });

  it('filters by status, role, company and group, and counts the matches', async () => {
    const invited = await client.gql(USERS, { filter: { statuses: ['INVITED'] }, page: { first: 100 } });
    expect(invited.data!.users.totalCount).toBe(15);
    expect(invited.data!.users.edges.every((e: any) => e.node.invitationPending)).toBe(true);
    const admins = await client.gql(USERS, { filter: { roles: ['OWNER', 'ADMIN'] } });
    expect(admins.data!.users.edges.map((e: any) => e.node.email).sort()).toEqual(['ada@contoso.test', 'owner@northwind.test']);
    const contosoHelpdesk = await client.gql(USERS, { filter: { companyId: ids.contoso, groupId: ids.helpdesk } });
    expect(contosoHelpdesk.data!.users.totalCount).toBe(2);
    const fabBilling = await client.gql(USERS, { filter: { companyId: ids.fabrikam, groupId: ids.billing, statuses: ['ACTIVE'] } });
    const expected = Array.from({ length: 56 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 0 && i % 4 !== 0).length;
    expect(fabBilling.data!.users.totalCount).toBe(expected);
  });

  for (const [field, direction] of [
    ['EMAIL', 'ASC'],
    ['NAME', 'DESC'],
    ['ROLE', 'ASC'],
    ['STATUS', 'DESC'],
    ['LAST_ACTIVE_AT', 'DESC'],
    ['CREATED_AT', 'ASC'],
  ] as const) {
    it(`pages forward then back through every user exactly once, sorted by ${field} ${direction}`, async () => {
      const orderBy = { field, direction };
      const forward: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const result: any = await client.gql(USERS, { page: { first: 7, after }, orderBy });
        expect(result.errors).toBeUndefined();
        forward.push(...result.data.users.edges.map((e: any) => e.node.id));
        pages++;
        if (!result.data.users.pageInfo.hasNextPage) break;
        after = result.data.users.pageInfo.endCursor;
      }
      expect(pages).toBe(9);
      expect(new Set(forward).size).toBe(60);

      const backward: string[] = [];
      let before: string | null = null;
      for (;;) {
        const result: any = await client.gql(USERS, { page: { last: 7, before }, orderBy });
        backward.unshift(...result.data.users.edges.map((e: any) => e.node.id));
        if (!result.data.users.pageInfo.hasPreviousPage) break;
        before = result.data.users.pageInfo.startCursor;
      }
      expect(backward).toEqual(forward);
    });
  }

  it('sorts by email as a person expects', async () => {
    const result = await client.gql(USERS, { page: { first: 3 }, orderBy: { field: 'EMAIL', direction: 'ASC' } });
    expect(result.data!.users.edges.map((e: any) => e.node.email)).toEqual([
      'ada@contoso.test',
      'invited@contoso.test',
      'member00@fabrikam.test',
    ]);
  });

  it('costs the same number of SQL queries for 10 users as for 50 (DataLoader, no N+1)', async () => {
    roster.resetQueryCount();
    await client.gql(USERS, { page: { first: 10 } });
    const small = roster.queryCount();
    roster.resetQueryCount();
    const big = await client.gql(USERS, { page: { first: 50 } });
    expect(big.data!.users.edges).toHaveLength(50);
    expect(roster.queryCount()).toBe(small);
    expect(small).toBeLessThanOrEqual(6);
  });

  it('refuses bad paging and filter input with the field at fault, and changes nothing', async () => {
    const before = await roster.dataSource.getRepository(MembershipEntity).count();
    const tooMany = await client.gql(USERS, { page: { first: 101 } });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const badCursor = await client.gql(USERS, { page: { after: 'garbage!!' } });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const longSearch = await client.gql(USERS, { filter: { search: 'x'.repeat(201) } });
    expect(longSearch.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.search' });
    const wrongType = await client.gql(USERS, { page: { first: 'ten' } });
    expect(errorCode(wrongType)).toBe('BAD_USER_INPUT');
    expect(await roster.dataSource.getRepository(MembershipEntity).count()).toBe(before);
  });

  it('refuses a second row with the same email in one account at the database level, whatever the letter case in code', async () => {
    const build = builders(roster.dataSource);
    await expect(build.aUser(ids.accountId, { email: 'ADA@contoso.test', status: UserStatus.INVITED })).rejects.toThrow();
  });
});
