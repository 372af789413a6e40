import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { CompanyEntity } from './company.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

describe.each(dialects)('managing companies and groups (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let ids: { ada: string; bob: string; foreignUser: string; foreignGroup: string; foreignCompany: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    const other = await build.anAccount();
    await build.aUser(account.id, { email: 'admin@cg.test', role: Role.ADMIN, password: 'admin-password' });
    const ada = await build.aUser(account.id, { email: 'ada@cg.test' });
    const bob = await build.aUser(account.id, { email: 'bob@cg.test' });
    const foreign = await build.aUser(other.id, { email: 'foreign@cg.test' });
    const foreignGroup = await build.aGroup(other.id, 'Theirs');
    const foreignCompany = await build.aCompany(other.id, 'Their Client');
    ids = { ada: ada.id, bob: bob.id, foreignUser: foreign.id, foreignGroup: foreignGroup.id, foreignCompany: foreignCompany.id };
    admin = new TestClient(roster.url);
    await admin.signIn('admin@cg.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  it('creates, renames and deletes a company; names are trimmed and unique whatever their case', async () => {
    const created = await admin.gql('mutation { createCompany(input: { name: "  Contoso   Ltd " }) { company { id name userCount } } }');
    const company = created.data!.createCompany.company;
    expect(company).toMatchObject({ name: 'Contoso Ltd', userCount: 0 });
    const clash = await admin.gql('mutation { createCompany(input: { name: "CONTOSO LTD" }) { company { id } } }');
    expect(clash.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(clash.errors?.[0]?.message).toMatch(/already exists/);
    expect(errorCode(await admin.gql('mutation { createCompany(input: { name: "   " }) { company { id } } }'))).toBe('BAD_USER_INPUT');

    const renamed = await admin.gql(
      'mutation($id: ID!) { renameCompany(input: { id: $id, name: "Contoso Group" }) { company { name } } }',
      { id: company.id },
    );
    expect(renamed.data!.renameCompany.company.name).toBe('Contoso Group');

    await admin.gql(
      'mutation($ids: [ID!]!, $c: ID) { setUsersCompany(input: { userIds: $ids, companyId: $c }) { users { email company { name } } } }',
      { ids: [ids.ada, ids.bob], c: company.id },
    );
    const members = await admin.gql('query($c: ID!) { users(filter: { companyId: $c }) { totalCount } company(id: $c) { userCount } }', {
      c: company.id,
    });
    expect(members.data!.users.totalCount).toBe(2);
    expect(members.data!.company.userCount).toBe(2);

    const deleted = await admin.gql('mutation($id: ID!) { deleteCompany(input: { id: $id }) { deletedId } }', { id: company.id });
    expect(deleted.data!.deleteCompany.deletedId).toBe(company.id);
    const ada = await admin.gql('query($id: ID!) { user(id: $id) { email company { name } } }', { id: ids.ada });
    expect(ada.data!.user).toEqual({ email: 'ada@cg.test', company: null });
  });

  it('creates a group, adds and removes members, and deletes it without touching the users', async () => {
    const created = await admin.gql(
      'mutation { createGroup(input: { name: "Helpdesk", description: "First line" }) { group { id name description } } }',
    );
    const group = created.data!.createGroup.group;
    const added = await admin.gql(
      'mutation($g: ID!, $u: [ID!]!) { addGroupMembers(input: { groupId: $g, userIds: $u }) { users { email groups { name } } } }',
      { g: group.id, u: [ids.ada, ids.bob, ids.ada] },
    );
    expect(added.data!.addGroupMembers.users.map((u: any) => u.groups.map((g: any) => g.name))).toEqual([['Helpdesk'], ['Helpdesk']]);
    await admin.gql('mutation($g: ID!, $u: [ID!]!) { addGroupMembers(input: { groupId: $g, userIds: $u }) { users { email } } }', {
      g: group.id,
      u: [ids.ada],
    });
    await admin.gql('mutation($g: ID!, $u: [ID!]!) { removeGroupMembers(input: { groupId: $g, userIds: $u }) { users { email } } }', {
      g: group.id,
      u: [ids.bob],
    });
    const after = await admin.gql(
      'query($g: ID!) { users(filter: { groupId: $g }) { edges { node { email } } } group(id: $g) { userCount } }',
      { g: group.id },
    );
    expect(after.data!.users.edges.map((e: any) => e.node.email)).toEqual(['ada@cg.test']);
    expect(after.data!.group.userCount).toBe(1);
    const updated = await admin.gql(
      'mutation($id: ID!) { updateGroup(input: { id: $id, description: null }) { group { name description } } }',
      { id: group.id },
    );
    expect(updated.data!.updateGroup.group).toEqual({ name: 'Helpdesk', description: null });
    await admin.gql('mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedId } }', { id: group.id });
    const ada = await admin.gql('query($id: ID!) { user(id: $id) { groups { name } } }', { id: ids.ada });
    expect(ada.data!.user.groups).toEqual([]);
  });

  it("refuses another account's users and groups, changing nothing", async () => {
    const created = await admin.gql('mutation { createGroup(input: { name: "Mine" }) { group { id } } }');
    expect(created.errors).toBeUndefined();
    const mine = created.data!.createGroup.group.id;
    const foreignUser = await admin.gql(
      'mutation($g: ID!, $u: [ID!]!) { addGroupMembers(input: { groupId: $g, userIds: $u }) { users { email } } }',
      { g: mine, u: [ids.ada, ids.foreignUser] },
    );
    expect(foreignUser.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.userIds' });
    const group = await admin.gql('query($g: ID!) { group(id: $g) { userCount } }', { g: mine });
    expect(group.data!.group.userCount).toBe(0);
    const foreignGroup = await admin.gql(
      'mutation($g: ID!, $u: [ID!]!) { addGroupMembers(input: { groupId: $g, userIds: $u }) { users { email } } }',
      { g: ids.foreignGroup, u: [ids.ada] },
    );
    expect(errorCode(foreignGroup)).toBe('NOT_FOUND');
    expect(
      errorCode(await admin.gql('mutation($id: ID!) { deleteGroup(input: { id: $id }) { deletedId } }', { id: ids.foreignGroup })),
    ).toBe('NOT_FOUND');
    const renamed = await admin.gql('mutation($id: ID!) { renameCompany(input: { id: $id, name: "x" }) { company { id } } }', {
      id: ids.foreignCompany,
    });
    expect(renamed.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.id' });
    expect((await roster.dataSource.getRepository(CompanyEntity).findOneByOrFail({ id: ids.foreignCompany })).name).toBe('Their Client');
    const long = await admin.gql('mutation($d: String) { createGroup(input: { name: "Long", description: $d }) { group { id } } }', {
      d: 'x'.repeat(1001),
    });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.description' });
  });
});
