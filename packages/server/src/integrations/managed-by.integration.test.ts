import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { ScimClient } from '../../test/scim-client.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USERS = `query { users(page: { first: 100 }) { edges { node { email managedBy { id name type } } } } }`;
const GROUPS = `query { groups(page: { first: 100 }) { edges { node { name managedBy { name type } } } } }`;

describe.each(dialects)('which integration manages a user or group (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let okta: { id: string; name: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'admin@managed.test', role: Role.ADMIN, password: 'admin-password' });
    await build.aUser(account.id, { email: 'by-hand@managed.test' });
    const integration = await build.aScimIntegration(account.id, {}, { name: 'Okta' });
    okta = { id: integration.id, name: integration.name };
    const scim = new ScimClient(roster.url, integration.token);
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'pushed@managed.test',
      emails: [{ value: 'pushed@managed.test' }],
    });
    await scim.post('/Groups', { schemas: [GROUP], displayName: 'Pushed group', members: [{ value: created.body!.id }] });
    await build.aGroup(account.id, 'Made in Roster');
    // Another account's integration links its own users; it must not show here.
    const other = await build.anAccount();
    const otherScim = new ScimClient(roster.url, (await build.aScimIntegration(other.id, {}, { name: 'Theirs' })).token);
    await otherScim.post('/Users', { schemas: [USER], userName: 'pushed@managed.test', emails: [{ value: 'pushed@managed.test' }] });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@managed.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  it('names the integration behind a pushed user and group, and none for those made in Roster', async () => {
    const users = (await admin.gql(USERS)).data!.users.edges.map((e: any) => e.node);
    expect(users.find((u: any) => u.email === 'pushed@managed.test').managedBy).toEqual({ id: okta.id, name: 'Okta', type: 'SCIM' });
    expect(users.find((u: any) => u.email === 'by-hand@managed.test').managedBy).toBeNull();
    const groups = (await admin.gql(GROUPS)).data!.groups.edges.map((e: any) => e.node);
    expect(groups.find((g: any) => g.name === 'Pushed group').managedBy).toEqual({ name: 'Okta', type: 'SCIM' });
    expect(groups.find((g: any) => g.name === 'Made in Roster').managedBy).toBeNull();
  });

  it('refuses renaming, deleting and changing the members of a group an integration manages, and says where to do it', async () => {
    const groups = (await admin.gql(`query { groups(page: { first: 100 }) { edges { node { id name } } } }`)).data!.groups.edges.map(
      (e: any) => e.node,
    );
    const pushed = groups.find((g: any) => g.name === 'Pushed group').id;
    const own = groups.find((g: any) => g.name === 'Made in Roster').id;
    const userId = (await admin.gql(`query { users(filter: { search: "by-hand" }) { edges { node { id } } } }`)).data!.users.edges[0].node
      .id;
    const attempts = {
      rename: await admin.gql(`mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { name } } }`, {
        input: { id: pushed, name: 'Renamed by hand' },
      }),
      remove: await admin.gql(`mutation($input: DeleteByIdInput!) { deleteGroup(input: $input) { deletedId } }`, { input: { id: pushed } }),
      add: await admin.gql(`mutation($input: GroupMembersInput!) { addGroupMembers(input: $input) { users { id } } }`, {
        input: { groupId: pushed, userIds: [userId] },
      }),
    };
    for (const attempt of Object.values(attempts)) {
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'MANAGED_BY_INTEGRATION', integration: 'Okta' });
      expect(attempt.errors?.[0]?.message).toContain('Make the change in Okta');
    }
    const after = (await admin.gql(GROUPS)).data!.groups.edges.map((e: any) => e.node.name);
    expect(after).toContain('Pushed group');
    // Roster's own parts stay editable: the description of a managed group, everything of an own group.
    const described = await admin.gql(`mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { description } } }`, {
      input: { id: pushed, description: 'Synced from Okta' },
    });
    expect(described.data!.updateGroup.group.description).toBe('Synced from Okta');
    const added = await admin.gql(`mutation($input: GroupMembersInput!) { addGroupMembers(input: $input) { users { id } } }`, {
      input: { groupId: own, userIds: [userId] },
    });
    expect(added.errors).toBeUndefined();
  });
});
