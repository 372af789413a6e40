import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { InvitationEntity } from '../invitations/invitation.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeGoogleWorkspace, GOOGLE_SCOPES, type FakeGoogleUser } from '../../test/fakes/google-workspace.js';
import { IntegrationEntity } from './integration.entity.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id type status } } }`;
const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message integration { status } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { state error counts { created linked updated unchanged suspended restored kept skipped failed }
  items(page: { first: 100 }) { edges { node { resourceType label action } } } } }`;

describe.each(dialects)('Google Workspace integration (%s)', (dialect) => {
  let roster: TestRoster;
  let google: FakeGoogleWorkspace;
  let admin: TestClient;
  let accountId: string;
  let directoryAdmin: FakeGoogleUser;
  /** Every wait a connector asked for: injected, so throttling is honoured without waiting. */
  const slept: number[] = [];

  beforeAll(async () => {
    google = await new FakeGoogleWorkspace().start();
    roster = await startTestRoster(
      dialect,
      { googleOAuthTokenUrl: google.tokenUrl, googleDirectoryBaseUrl: google.url, outboundAllowPrivateNetworks: true },
      {
        runOutboxWorker: false,
        runSyncEngine: false,
        runImportRunner: false,
        runWebhookWorker: false,
        connectorEnvironment: { sleep: async (ms) => void slept.push(ms) },
      },
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
  beforeEach(() => {
    google.users = [];
    google.groups = [];
    google.maxPageSize = 500;
    google.delegatedScopes = [...GOOGLE_SCOPES];
    slept.length = 0;
  });

  /** The directory's admin, in a domain of the test's own so that tests never share users. */
  const seedAdmin = (domain: string) => (directoryAdmin = google.seedUsers(1, domain, true)[0]!);
  const credentials = (extra: Record<string, string> = {}, key = google.serviceAccountKey()) => [
    { name: 'serviceAccountKey', value: key },
    { name: 'adminEmail', value: directoryAdmin.primaryEmail },
    ...Object.entries(extra).map(([name, value]) => ({ name, value })),
  ];
  async function create(name: string, given = credentials()): Promise<string> {
    const created = await admin.gql(CREATE, {
      input: { name, type: 'GOOGLE_WORKSPACE', credentials: given, options: { suspendThresholdPercent: 100 } },
    });
    expect(created.errors).toBeUndefined();
    return created.data!.createIntegration.integration.id;
  }
  async function sync(integrationId: string) {
    const started = await admin.gql(START, { input: { integrationId } });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
  }
  const membersByEmail = async (emails: string[]) =>
    new Map(
      (await roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId, email: In(emails) } })).map((m) => [m.email, m]),
    );
  async function groupMemberEmails(name: string): Promise<string[]> {
    const group = await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ accountId, name });
    const members = await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id });
    const users = await roster.dataSource.getRepository(MembershipEntity).findBy({ id: In(members.map((m) => m.membershipId)) });
    return users.map((u) => u.email).sort();
  }
  const actions = (run: any) => run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action]).sort();

  it('syncs users and a group over three pages each, changes nothing the second time, then follows renames, suspensions, archiving, removals and membership changes', async () => {
    seedAdmin('example.test');
    const users = google.seedUsers(5);
    google.groups.push({
      id: 'g-helpdesk',
      email: 'helpdesk@example.test',
      name: 'Helpdesk',
      description: 'Tier 1',
      members: users.map((u) => u.id),
    });
    google.maxPageSize = 2; // 6 users and 5 members: three pages each

    const integrationId = await create('Google');
    const stored = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integrationId });
    expect(stored.sealedCredentials).not.toContain('PRIVATE KEY');
    const types = await admin.gql(`{ integrationTypes { type credentialFields { name secret required } } }`);
    expect(types.data!.integrationTypes.find((t: any) => t.type === 'GOOGLE_WORKSPACE').credentialFields).toEqual([
      { name: 'serviceAccountKey', secret: true, required: true },
      { name: 'adminEmail', secret: false, required: true },
      { name: 'customerId', secret: false, required: false },
      { name: 'domain', secret: false, required: false },
      { name: 'orgUnitPath', secret: false, required: false },
      { name: 'includeSubOrgUnits', secret: false, required: false },
    ]);
    const tested = await admin.gql(TEST, { input: { id: integrationId } });
    expect(tested.data!.testIntegrationConnection).toMatchObject({
      ok: true,
      message: `Connected to Google Workspace as ${directoryAdmin.primaryEmail}.`,
      integration: { status: 'CONNECTED' },
    });

    const from = google.requests.length;
    const first = await sync(integrationId);
    expect(first).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { created: 7, failed: 0, suspended: 0 } });
    const read = google.requests.slice(from);
    expect(read.filter((r) => r.path === '/admin/directory/v1/users').map((r) => r.query.has('pageToken'))).toEqual([false, true, true]);
    expect(read.filter((r) => r.path.endsWith('/g-helpdesk/members')).map((r) => r.query.has('pageToken'))).toEqual([false, true, true]);
    const emails = [directoryAdmin, ...users].map((u) => u.primaryEmail);
    const before = await membersByEmail(emails);
    expect([...before.values()].map((m) => [m.email, m.status, m.source]).sort()).toEqual(
      [...emails].sort().map((email) => [email, 'INVITED', 'INTEGRATION']),
    );
    expect(await groupMemberEmails('Helpdesk')).toEqual(users.map((u) => u.primaryEmail).sort());

    const second = await sync(integrationId);
    expect(second).toMatchObject({ state: 'SUCCEEDED', counts: { created: 0, linked: 0, updated: 0, unchanged: 7, suspended: 0 } });
    expect(second.items.edges).toEqual([]);

    // Between two syncs: a rename with a new address (Google keeps the id), a suspension, an archiving, a
    // deletion, and the group loses one member and gains a new user.
    const [renamed, suspended, archived, deleted, leaver] = users;
    const oldEmail = renamed!.primaryEmail;
    const invitation = await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: before.get(oldEmail)!.id });
    renamed!.primaryEmail = 'ada.king@example.test';
    renamed!.name = { givenName: 'Ada', familyName: 'King', fullName: 'Ada King' };
    suspended!.suspended = true;
    archived!.archived = true;
    google.users = google.users.filter((u) => u !== deleted);
    const [joiner] = google.seedUsers(1);
    google.groups[0]!.members = [renamed!.id, suspended!.id, archived!.id, joiner!.id];

    const third = await sync(integrationId);
    expect(third).toMatchObject({ state: 'SUCCEEDED', counts: { created: 1, updated: 2, suspended: 3, failed: 0 } });
    expect(actions(third)).toEqual(
      [
        ['USER', 'ada.king@example.test', 'UPDATED'],
        ['USER', suspended!.primaryEmail, 'SUSPENDED'],
        ['USER', archived!.primaryEmail, 'SUSPENDED'],
        ['USER', deleted!.primaryEmail, 'SUSPENDED'],
        ['USER', joiner!.primaryEmail, 'CREATED'],
        ['GROUP', 'Helpdesk', 'UPDATED'],
      ].sort(),
    );
    const after = await membersByEmail([...emails, 'ada.king@example.test', joiner!.primaryEmail]);
    expect(after.get(oldEmail)).toBeUndefined();
    expect(after.get('ada.king@example.test')).toMatchObject({
      id: before.get(oldEmail)!.id,
      name: 'Ada King',
      status: UserStatus.INVITED,
    });
    expect(await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ id: invitation.id })).toMatchObject({
      state: 'PENDING',
      email: 'ada.king@example.test',
    });
    for (const gone of [suspended, archived, deleted]) expect(after.get(gone!.primaryEmail)!.status).toBe(UserStatus.SUSPENDED);
    expect(after.get(leaver!.primaryEmail)!.status).toBe(UserStatus.INVITED);
    expect(await groupMemberEmails('Helpdesk')).toEqual(
      ['ada.king@example.test', suspended!.primaryEmail, archived!.primaryEmail, joiner!.primaryEmail].sort(),
    );
  });

  it('waits as long as a 429’s Retry-After says and backs off on 403 rateLimitExceeded, then finishes the run', async () => {
    seedAdmin('throttle.example.test');
    google.seedUsers(2, 'throttle.example.test');
    const integrationId = await create('Google throttled');
    google.throttleNext({ status: 429, reason: 'rateLimitExceeded', retryAfter: 7 }, { status: 403, reason: 'rateLimitExceeded' });
    const run = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', error: null, counts: { created: 3 } });
    expect(google.requests.filter((r) => r.status === 429 || r.status === 403).map((r) => r.status)).toEqual([429, 403]);
    // Retry-After: 7 is seven seconds; the 403 carries none, so the second attempt waits 2 s (exponential).
    expect(slept.filter((ms) => ms >= 1000)).toEqual([7000, 2000]);
  });

  it('says what is wrong with the credentials, in Test connection and in the failed run: a bad key, missing delegation, a non-admin, a wrong customer id', async () => {
    seedAdmin('refused.example.test');
    const [plain] = google.seedUsers(1, 'refused.example.test');
    const otherKey = google.serviceAccountKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const cases: Array<{
      name: string;
      given: () => Array<{ name: string; value: string }>;
      failure: string;
      message: RegExp;
      setup?: () => void;
    }> = [
      {
        name: 'not a key',
        given: () => credentials({}, '{"type":"service_account"}'),
        failure: 'AUTHENTICATION_FAILED',
        message: /JSON key/,
      },
      { name: 'another key', given: () => credentials({}, otherKey), failure: 'AUTHENTICATION_FAILED', message: /signature/ },
      {
        name: 'no delegation',
        given: () => credentials(),
        failure: 'PERMISSION_DENIED',
        message: /unauthorized_client.*Domain-wide delegation/,
        setup: () => (google.delegatedScopes = [GOOGLE_SCOPES[0]!]),
      },
      {
        name: 'not an admin',
        given: () => [...credentials().filter((c) => c.name !== 'adminEmail'), { name: 'adminEmail', value: plain!.primaryEmail }],
        failure: 'PERMISSION_DENIED',
        message: /administrator allowed to read users and groups/,
      },
      {
        name: 'wrong customer',
        given: () => credentials({ customerId: 'C0unknown' }),
        failure: 'PERMISSION_DENIED',
        message: /customer id "C0unknown"/,
      },
    ];
    for (const c of cases) {
      google.delegatedScopes = [...GOOGLE_SCOPES];
      c.setup?.();
      const tested = await admin.gql(TEST, { input: { type: 'GOOGLE_WORKSPACE', credentials: c.given() } });
      expect(tested.data!.testIntegrationConnection, c.name).toMatchObject({
        ok: false,
        failure: c.failure,
        message: expect.stringMatching(c.message),
      });
      expect(tested.data!.testIntegrationConnection.message).not.toContain('PRIVATE KEY');
      const run = await sync(await create(`Google ${c.name}`, c.given()));
      expect(run, c.name).toMatchObject({ state: 'FAILED', error: expect.stringMatching(c.message) });
    }
  });

  it('brings in only the org unit’s users (without sub-units when asked) and only the chosen domain’s users and groups', async () => {
    seedAdmin('ou.example.test');
    const [sales] = google.seedUsers(1, 'ou.example.test', false, '/Sales');
    const [emea] = google.seedUsers(1, 'ou.example.test', false, '/Sales/EMEA');
    const [support] = google.seedUsers(1, 'ou.example.test', false, '/Support');
    google.groups.push({
      id: 'g-all',
      email: 'all@ou.example.test',
      name: 'All hands',
      description: '',
      members: [sales!.id, emea!.id, support!.id],
    });

    const unknownUnit = await admin.gql(TEST, { input: { type: 'GOOGLE_WORKSPACE', credentials: credentials({ orgUnitPath: '/Sails' }) } });
    expect(unknownUnit.data!.testIntegrationConnection).toMatchObject({ ok: false, message: expect.stringMatching(/org unit "\/Sails"/) });

    const onlySales = await create('Google Sales', credentials({ orgUnitPath: '/Sales', includeSubOrgUnits: 'no' }));
    const run = await sync(onlySales);
    expect(run).toMatchObject({ state: 'SUCCEEDED', counts: { created: 2 } });
    expect(actions(run)).toEqual([
      ['GROUP', 'All hands', 'CREATED'],
      ['USER', sales!.primaryEmail, 'CREATED'],
    ]);
    expect(await groupMemberEmails('All hands')).toEqual([sales!.primaryEmail]);

    const [other] = google.seedUsers(1, 'clients.example.test');
    google.groups.push({ id: 'g-clients', email: 'team@clients.example.test', name: 'Client team', description: '', members: [other!.id] });
    const oneDomain = await sync(await create('Google clients', credentials({ domain: 'clients.example.test' })));
    expect(actions(oneDomain)).toEqual([
      ['GROUP', 'Client team', 'CREATED'],
      ['USER', other!.primaryEmail, 'CREATED'],
    ]);
    expect(await groupMemberEmails('Client team')).toEqual([other!.primaryEmail]);
  });
});
