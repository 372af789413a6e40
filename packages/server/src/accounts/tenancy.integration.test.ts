import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { Role } from './roles.js';

/** An admin of account A reads with account B's ids and switches accounts (every operation taking an id: tenancy-generated). */
describe.each(dialects)('tenant isolation (%s)', (dialect) => {
  let roster: TestRoster;
  let adminOfA: TestClient;
  let other: { accountId: string; userId: string; companyId: string; groupId: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const a = await build.anAccount({ name: 'Alpha MSP' });
    const b = await build.anAccount({ name: 'Bravo MSP' });
    await build.aUser(a.id, { email: 'admin@alpha.test', role: Role.ADMIN, password: 'alpha-pass' });
    await build.aUser(a.id, { email: 'someone@alpha.test' });
    const bCompany = await build.aCompany(b.id, 'Bravo Client');
    const bGroup = await build.aGroup(b.id, 'Bravo Team');
    const bUser = await build.aUser(b.id, { email: 'secret@bravo.test', companyId: bCompany.id, groupIds: [bGroup.id] });
    other = { accountId: b.id, userId: bUser.id, companyId: bCompany.id, groupId: bGroup.id };
    adminOfA = new TestClient(roster.url);
    await adminOfA.signIn('admin@alpha.test', 'alpha-pass');
  });
  afterAll(() => roster?.close());

  it('user(id) of another account is NOT_FOUND', async () => {
    const result = await adminOfA.gql('query($id: ID!) { user(id: $id) { email } }', { id: other.userId });
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(JSON.stringify(result)).not.toContain('bravo');
  });

  it('company(id) and group(id) of another account are NOT_FOUND', async () => {
    expect(errorCode(await adminOfA.gql('query($id: ID!) { company(id: $id) { name } }', { id: other.companyId }))).toBe('NOT_FOUND');
    expect(errorCode(await adminOfA.gql('query($id: ID!) { group(id: $id) { name } }', { id: other.groupId }))).toBe('NOT_FOUND');
  });

  it("filtering users by another account's company or group is refused, not answered", async () => {
    const byCompany = await adminOfA.gql('query($f: UserFilter) { users(filter: $f) { totalCount } }', {
      f: { companyId: other.companyId },
    });
    expect(byCompany.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'filter.companyId' });
    const byGroup = await adminOfA.gql('query($f: UserFilter) { users(filter: $f) { totalCount } }', { f: { groupId: other.groupId } });
    expect(byGroup.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'filter.groupId' });
  });

  it('lists only the own account: users, companies and groups', async () => {
    const result = await adminOfA.gql(
      '{ users(page: { first: 100 }) { totalCount edges { node { email } } } companies { totalCount } groups { totalCount } }',
    );
    expect(result.data!.users.edges.map((e: any) => e.node.email).sort()).toEqual(['admin@alpha.test', 'someone@alpha.test']);
    expect(result.data!.companies.totalCount).toBe(0);
    expect(result.data!.groups.totalCount).toBe(0);
    expect(JSON.stringify(result)).not.toContain('bravo');
  });

  it('switching to an account one is not a member of is FORBIDDEN and keeps the current account', async () => {
    const result = await adminOfA.gql(
      'mutation($input: SwitchAccountInput!) { switchAccount(input: $input) { viewer { currentAccount { name } } } }',
      {
        input: { accountId: other.accountId },
      },
    );
    expect(errorCode(result)).toBe('FORBIDDEN');
    const me = await adminOfA.gql('{ me { currentAccount { name } } }');
    expect(me.data!.me.currentAccount.name).toBe('Alpha MSP');
  });

  it('a person in two accounts switches between them and sees each one only while in it', async () => {
    const build = builders(roster.dataSource);
    const person = await build.aUser(other.accountId, { email: 'both@msp.test', role: Role.ADMIN, password: 'both-pass' });
    const alpha = (await adminOfA.gql('{ me { currentAccount { id } } }')).data!.me.currentAccount.id;
    await build.aUser(alpha, { email: 'both@msp.test', role: Role.ADMIN, personId: person.personId! });
    const client = new TestClient(roster.url);
    await client.signIn('both@msp.test', 'both-pass');
    const first = await client.gql('{ me { currentAccount { name } accounts { name } } users { totalCount } }');
    expect(first.data!.me.accounts.map((a: any) => a.name)).toEqual(['Alpha MSP', 'Bravo MSP']);
    const target = first.data!.me.currentAccount.name === 'Alpha MSP' ? other.accountId : alpha;
    await client.gql('mutation($input: SwitchAccountInput!) { switchAccount(input: $input) { viewer { role } } }', {
      input: { accountId: target },
    });
    const second = await client.gql('{ me { currentAccount { name } } users { edges { node { email } } } }');
    expect(second.data!.me.currentAccount.name).not.toBe(first.data!.me.currentAccount.name);
    const emails = second.data!.users.edges.map((e: any) => e.node.email);
    if (second.data!.me.currentAccount.name === 'Bravo MSP') expect(emails).toContain('secret@bravo.test');
    else expect(emails).not.toContain('secret@bravo.test');
  });
});
