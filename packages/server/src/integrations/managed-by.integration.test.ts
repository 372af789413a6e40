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
});
