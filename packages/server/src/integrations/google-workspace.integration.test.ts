import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeGoogleWorkspace } from '../../test/fakes/google-workspace.js';
import { IntegrationEntity } from './integration.entity.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id type status } } }`;
const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message integration { status } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { state error counts { created linked updated unchanged suspended restored kept skipped failed }
  items(page: { first: 100 }) { edges { node { label action } } } } }`;

describe.each(dialects)('Google Workspace integration (%s)', (dialect) => {
  let roster: TestRoster;
  let google: FakeGoogleWorkspace;
  let admin: TestClient;
  let accountId: string;

  beforeAll(async () => {
    google = await new FakeGoogleWorkspace().start();
    roster = await startTestRoster(
      dialect,
      { googleOAuthTokenUrl: google.tokenUrl, googleDirectoryBaseUrl: google.url, outboundAllowPrivateNetworks: true },
      { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Google MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'owner@google-msp.test', role: Role.OWNER, password: 'owner-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@google-msp.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await google?.stop();
  });

  async function sync(integrationId: string) {
    const started = await admin.gql(START, { input: { integrationId } });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
  }

  it('tests the connection, invites users and creates groups with their members, changes nothing the second time, and suspends a suspended user', async () => {
    const [directoryAdmin] = google.seedUsers(1, 'example.test', true);
    const users = google.seedUsers(3);
    google.groups.push({
      id: 'g-helpdesk',
      email: 'helpdesk@example.test',
      name: 'Helpdesk',
      description: 'Tier 1',
      members: [users[0]!.id, users[1]!.id],
    });
    google.maxPageSize = 2;
    const credentials = [
      { name: 'serviceAccountKey', value: google.serviceAccountKey() },
      { name: 'adminEmail', value: directoryAdmin!.primaryEmail },
    ];

    const created = await admin.gql(CREATE, {
      input: { name: 'Google', type: 'GOOGLE_WORKSPACE', credentials, options: { suspendThresholdPercent: 100 } },
    });
    expect(created.errors).toBeUndefined();
    const integrationId = created.data!.createIntegration.integration.id;
    const stored = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integrationId });
    expect(stored.sealedCredentials).not.toContain('PRIVATE KEY');

    const types = await admin.gql(`{ integrationTypes { type credentialFields { name secret required } } }`);
    expect(types.data!.integrationTypes.find((t: any) => t.type === 'GOOGLE_WORKSPACE').credentialFields).toEqual([
      { name: 'serviceAccountKey', secret: true, required: true },
      { name: 'adminEmail', secret: false, required: true },
      { name: 'customerId', secret: false, required: false },
    ]);

    const tested = await admin.gql(TEST, { input: { id: integrationId } });
    expect(tested.data!.testIntegrationConnection).toMatchObject({
      ok: true,
      message: `Connected to Google Workspace as ${directoryAdmin!.primaryEmail}.`,
      integration: { status: 'CONNECTED' },
    });
    const wrongCustomer = await admin.gql(TEST, {
      input: { type: 'GOOGLE_WORKSPACE', credentials: [...credentials, { name: 'customerId', value: 'C0unknown' }] },
    });
    expect(wrongCustomer.data!.testIntegrationConnection).toMatchObject({
      ok: false,
      message: expect.stringMatching(/customer id "C0unknown"/),
    });

    // Four users and one group.
    const first = await sync(integrationId);
    expect(first).toMatchObject({ state: 'SUCCEEDED', counts: { created: 5, failed: 0, suspended: 0 } });
    const emails = [directoryAdmin!, ...users].map((u) => u.primaryEmail);
    const members = await roster.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId, email: In(emails) }, order: { email: 'ASC' } });
    expect(members.map((m) => [m.email, m.status, m.source])).toEqual([...emails].sort().map((email) => [email, 'INVITED', 'INTEGRATION']));
    const group = await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ accountId, name: 'Helpdesk' });
    const byId = new Map(members.map((m) => [m.id, m.email]));
    const groupMembers = await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id });
    expect(groupMembers.map((m) => byId.get(m.membershipId)).sort()).toEqual([users[0]!.primaryEmail, users[1]!.primaryEmail].sort());

    const second = await sync(integrationId);
    expect(second).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, linked: 0, updated: 0, unchanged: 5, suspended: 0 } });

    users[2]!.suspended = true;
    const third = await sync(integrationId);
    expect(third).toMatchObject({ state: 'SUCCEEDED', counts: { suspended: 1, unchanged: 4 } });
    expect(third.items.edges.map((e: any) => [e.node.label, e.node.action])).toEqual([[users[2]!.primaryEmail, 'SUSPENDED']]);
    const suspended = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ accountId, email: users[2]!.primaryEmail });
    expect(suspended.status).toBe(UserStatus.SUSPENDED);
  });
});
