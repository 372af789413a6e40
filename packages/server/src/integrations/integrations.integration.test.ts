import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import type { Logger } from '../core/logger.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { InvitationEntity } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { OutboundHttp } from '../core/http/outbound-http.js';
import { FakeMicrosoftGraph } from '../../test/fakes/microsoft-graph.js';
import { errorCode, startTestRoster, TestClient, type GraphQLResult, type TestRoster } from '../../test/harness.js';
import { ExternalLinkEntity } from './external-link.entity.js';
import { IntegrationEntity } from './integration.entity.js';
import { scimTokenHash } from './integration.service.js';
import { SyncEngine, type SyncEngineOptions } from './sync/sync-engine.js';
import { SyncRunItemEntity } from './sync/sync-run-item.entity.js';
import { SyncRunEntity, SyncRunState } from './sync/sync-run.entity.js';
import { subscribe, untilHeard } from '../../test/live-client.js';

const INTEGRATION_FIELDS = `id type name status lastError syncIntervalMinutes lastSyncAt nextSyncAt hasCredentials credentialFieldsSet scimBaseUrl scimTokenPrefix
  options { autoInvite sendInvitationEmails defaultRole onUpstreamRemoval suspendThresholdPercent }`;
const RUN_FIELDS = `id integrationId state stage dryRun incremental note trigger requestedBy pendingSuspensions error startedAt finishedAt
  counts { created linked updated unchanged suspended restored kept skipped failed deleted }
  items(page: { first: 100 }) { totalCount edges { node { position resourceType externalId label action localId message } } }`;
const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { scimToken integration { ${INTEGRATION_FIELDS} } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id state dryRun } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`;

/** A client that keeps every raw answer, so a test can check that a secret never appeared in any of them. */
class RecordingClient extends TestClient {
  readonly answers: string[] = [];
  override async gql<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
    const result = await super.gql<T>(query, variables);
    this.answers.push(JSON.stringify(result));
    return result;
  }
}

describe.each(dialects)('integrations and syncs (%s)', (dialect) => {
  let roster: TestRoster;
  let graph: FakeMicrosoftGraph;
  let admin: RecordingClient;
  let accountId: string;
  const logLines: string[] = [];
  const logger: Logger = {
    info: (message) => logLines.push(message),
    error: (message, error) =>
      logLines.push(`${message} ${error instanceof Error ? `${error.message}\n${error.stack}` : JSON.stringify(error ?? '')}`),
  };
  const credentials = () => [
    { name: 'tenantId', value: graph.tenantId },
    { name: 'clientId', value: graph.clientId },
    { name: 'clientSecret', value: graph.clientSecret },
  ];

  beforeAll(async () => {
    graph = await new FakeMicrosoftGraph().start();
    roster = await startTestRoster(
      dialect,
      { microsoftLoginBaseUrl: graph.url, microsoftGraphBaseUrl: graph.url, outboundAllowPrivateNetworks: true },
      // Syncs are driven by the tests (engine.runAll), so each step is observed where it ends.
      // No other background worker either: their polling would be counted by the query-count test.
      { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false, logger },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Graph MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'owner@graph-msp.test', role: Role.OWNER, password: 'owner-password' });
    admin = new RecordingClient(roster.url);
    await admin.signIn('owner@graph-msp.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await graph?.stop();
  });
  beforeEach(() => {
    graph.users = [];
    graph.groups = [];
    graph.consented = true;
    graph.maxPageSize = 999;
  });

  async function createEntra(name: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
    const result = await admin.gql(CREATE, { input: { name, type: 'MICROSOFT_ENTRA', credentials: credentials(), options, ...extra } });
    expect(result.errors).toBeUndefined();
    return result.data!.createIntegration.integration;
  }

  async function sync(integrationId: string, dryRun = false) {
    const started = await admin.gql(START, { input: { integrationId, dryRun } });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    return (await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
  }

  const membersOf = (emails: string[]) =>
    roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId, email: In(emails) }, order: { email: 'ASC' } });

  it('lists the integration types with the credentials each needs and what it brings in', async () => {
    const result = await admin.gql(
      `{ integrationTypes { type displayName pushOnly credentialFields { name label secret required } capabilities { users groups companies passwords } } }`,
    );
    const types = result.data!.integrationTypes;
    expect(types.find((t: any) => t.type === 'SCIM')).toMatchObject({ pushOnly: true, credentialFields: [] });
    expect(types.find((t: any) => t.type === 'MICROSOFT_ENTRA')).toMatchObject({
      pushOnly: false,
      capabilities: { users: true, groups: true, companies: false, passwords: false },
      credentialFields: [
        { name: 'tenantId', secret: false, required: true },
        { name: 'clientId', secret: false, required: true },
        { name: 'clientSecret', secret: true, required: true },
      ],
    });
  });

  it('creates, tests, updates and deletes an Entra ID integration, validating every input', async () => {
    const missing = await admin.gql(CREATE, { input: { name: 'Entra', type: 'MICROSOFT_ENTRA', credentials: credentials().slice(0, 2) } });
    expect(errorCode(missing)).toBe('BAD_USER_INPUT');
    expect(missing.errors![0]!.extensions!.field).toBe('input.credentials');
    const unknown = await admin.gql(CREATE, {
      input: { name: 'Entra', type: 'MICROSOFT_ENTRA', credentials: [...credentials(), { name: 'password', value: 'x' }] },
    });
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.credentials.3.name' });
    const badInterval = await admin.gql(CREATE, {
      input: { name: 'Entra', type: 'MICROSOFT_ENTRA', credentials: credentials(), syncIntervalMinutes: 1 },
    });
    expect(badInterval.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.syncIntervalMinutes' });
    const badThreshold = await admin.gql(CREATE, {
      input: { name: 'Entra', type: 'MICROSOFT_ENTRA', credentials: credentials(), options: { suspendThresholdPercent: 101 } },
    });
    expect(badThreshold.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.options.suspendThresholdPercent' });
    const blank = await admin.gql(CREATE, { input: { name: '  ', type: 'MICROSOFT_ENTRA', credentials: credentials() } });
    expect(blank.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });

    const before = Date.now();
    const created = await createEntra(' Contoso directory ', { autoInvite: false }, { syncIntervalMinutes: 60 });
    expect(created).toMatchObject({
      type: 'MICROSOFT_ENTRA',
      name: 'Contoso directory',
      // Nothing has proved it yet: a pull integration is not 'Connected' before its first test or sync.
      status: 'NOT_TESTED',
      hasCredentials: true,
      credentialFieldsSet: ['clientId', 'clientSecret', 'tenantId'],
      scimBaseUrl: null,
      syncIntervalMinutes: 60,
      options: {
        autoInvite: false,
        sendInvitationEmails: true,
        defaultRole: 'MEMBER',
        onUpstreamRemoval: 'SUSPEND',
        suspendThresholdPercent: 10,
      },
    });
    expect(Date.parse(created.nextSyncAt) - before).toBeGreaterThanOrEqual(59 * 60_000);
    const stored = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: created.id });
    expect(stored.sealedCredentials).not.toContain(graph.clientSecret);
    expect(stored.sealedCredentials).not.toContain(graph.clientId);

    const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok failure message integration { status lastError } } }`;
    const ok = await admin.gql(TEST, { input: { id: created.id } });
    expect(ok.data!.testIntegrationConnection).toMatchObject({
      ok: true,
      failure: null,
      message: 'Connected to Contoso.',
      integration: { status: 'CONNECTED' },
    });

    const wrongSecret = await admin.gql(TEST, {
      input: { type: 'MICROSOFT_ENTRA', credentials: [...credentials().slice(0, 2), { name: 'clientSecret', value: 'not-the-secret' }] },
    });
    expect(wrongSecret.data!.testIntegrationConnection).toMatchObject({ ok: false, failure: 'AUTHENTICATION_FAILED', integration: null });
    expect(wrongSecret.data!.testIntegrationConnection.message).toMatch(/AADSTS7000215/);

    graph.consented = false;
    const noConsent = await admin.gql(TEST, { input: { id: created.id } });
    expect(noConsent.data!.testIntegrationConnection).toMatchObject({
      ok: false,
      failure: 'PERMISSION_DENIED',
      integration: { status: 'ERROR' },
    });
    expect(noConsent.data!.testIntegrationConnection.message).toMatch(/admin consent/);
    graph.consented = true;

    const UPDATE = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } } }`;
    const renamed = await admin.gql(UPDATE, {
      input: { id: created.id, name: 'Entra (prod)', options: { onUpstreamRemoval: 'KEEP' }, syncIntervalMinutes: null },
    });
    expect(renamed.data!.updateIntegration.integration).toMatchObject({
      name: 'Entra (prod)',
      syncIntervalMinutes: null,
      nextSyncAt: null,
      options: { autoInvite: false, onUpstreamRemoval: 'KEEP' },
      credentialFieldsSet: ['clientId', 'clientSecret', 'tenantId'],
    });
    // Replacing one credential keeps the others; a wrong secret now fails the saved integration's test.
    await admin.gql(UPDATE, { input: { id: created.id, credentials: [{ name: 'clientSecret', value: 'rotated-wrong-secret' }] } });
    expect((await admin.gql(TEST, { input: { id: created.id } })).data!.testIntegrationConnection).toMatchObject({
      ok: false,
      failure: 'AUTHENTICATION_FAILED',
    });
    await admin.gql(UPDATE, { input: { id: created.id, credentials: [{ name: 'clientSecret', value: graph.clientSecret }] } });
    expect((await admin.gql(TEST, { input: { id: created.id } })).data!.testIntegrationConnection.ok).toBe(true);

    const list = await admin.gql(`{ integrations(page: { first: 100 }) { totalCount edges { node { id name } } } }`);
    expect(list.data!.integrations.edges.map((e: any) => e.node.id)).toContain(created.id);

    const deleted = await admin.gql(`mutation($input: IntegrationIdInput!) { deleteIntegration(input: $input) { id } }`, {
      input: { id: created.id },
    });
    expect(deleted.data!.deleteIntegration.id).toBe(created.id);
    expect(errorCode(await admin.gql(`query($id: ID!) { integration(id: $id) { id } }`, { id: created.id }))).toBe('NOT_FOUND');
    const audit = await roster.dataSource
      .getRepository(AuditEventEntity)
      .find({ where: { accountId, targetId: created.id }, order: { createdAt: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['integration.created', 'integration.updated', 'integration.deleted']),
    );
  });

  it('gives a SCIM integration a base URL and a token shown once; rotating kills the old token at once', async () => {
    const result = await admin.gql(CREATE, { input: { name: 'Okta', type: 'SCIM' } });
    const { integration, scimToken } = result.data!.createIntegration;
    expect(scimToken).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);
    expect(integration).toMatchObject({
      type: 'SCIM',
      scimBaseUrl: `${roster.url}/scim/v2`,
      scimTokenPrefix: scimToken.slice(0, 12),
      hasCredentials: false,
      // Users a SCIM integration brings in are emailed their invitation unless an admin turns it off.
      options: { sendInvitationEmails: true },
    });
    expect(
      JSON.stringify((await admin.gql(`query($id: ID!) { integration(id: $id) { ${INTEGRATION_FIELDS} } }`, { id: integration.id })).data),
    ).not.toContain(scimToken);
    const scheduled = await admin.gql(CREATE, { input: { name: 'Okta 2', type: 'SCIM', syncIntervalMinutes: 60 } });
    expect(scheduled.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.syncIntervalMinutes' });
    expect(errorCode(await admin.gql(START, { input: { integrationId: integration.id } }))).toBe('SYNC_NOT_SUPPORTED');

    // What an identity provider sees: the token works until it is rotated, then is refused at once.
    const scimList = (token: string) =>
      fetch(`${integration.scimBaseUrl}/Users?count=1`, { headers: { authorization: `Bearer ${token}` } });
    expect((await scimList(scimToken)).status).toBe(200);
    const rotated = await admin.gql(
      `mutation($input: IntegrationIdInput!) { rotateScimToken(input: $input) { scimToken integration { scimTokenPrefix } } }`,
      { input: { id: integration.id } },
    );
    const newToken = rotated.data!.rotateScimToken.scimToken;
    expect(newToken).not.toBe(scimToken);
    const stored = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integration.id });
    expect(stored.scimTokenHash).toBe(scimTokenHash(newToken));
    expect(await roster.dataSource.getRepository(IntegrationEntity).countBy({ scimTokenHash: scimTokenHash(scimToken) })).toBe(0);
    expect((await scimList(scimToken)).status).toBe(401);
    expect((await scimList(newToken)).status).toBe(200);
  });

  it('syncs Entra users: links existing ones by email, invites the rest; a second run changes nothing', async () => {
    const existing = await builders(roster.dataSource).aUser(accountId, { email: 'user0001@contoso.test', name: 'Already Here' });
    graph.seedUsers(4);
    graph.users.push({
      id: 'no-mail',
      displayName: 'Meeting Room',
      mail: null,
      userPrincipalName: 'room#EXT#@contoso.test',
      accountEnabled: true,
    });
    graph.maxPageSize = 2;
    const integration = await createEntra('Entra sync');

    const first = await sync(integration.id);
    expect(first).toMatchObject({
      state: 'SUCCEEDED',
      stage: 'DONE',
      trigger: 'MANUAL',
      counts: { created: 3, linked: 1, updated: 0, unchanged: 0, skipped: 1, failed: 0, suspended: 0 },
    });
    expect(first.requestedBy).toEqual(expect.any(String));
    expect(first.items.edges.map((e: any) => [e.node.label, e.node.action])).toEqual([
      ['user0001@contoso.test', 'LINKED'],
      ['user0002@contoso.test', 'CREATED'],
      ['user0003@contoso.test', 'CREATED'],
      ['user0004@contoso.test', 'CREATED'],
      ['Meeting Room', 'SKIPPED'],
    ]);
    const members = await membersOf(['user0001@contoso.test', 'user0002@contoso.test', 'user0003@contoso.test', 'user0004@contoso.test']);
    expect(members.map((m) => [m.email, m.status, m.source])).toEqual([
      ['user0001@contoso.test', 'ACTIVE', 'MANUAL'],
      ['user0002@contoso.test', 'INVITED', 'INTEGRATION'],
      ['user0003@contoso.test', 'INVITED', 'INTEGRATION'],
      ['user0004@contoso.test', 'INVITED', 'INTEGRATION'],
    ]);
    expect(members[0]!.id).toBe(existing.id);
    expect(
      await roster.dataSource
        .getRepository(OutboxEmailEntity)
        .countBy({ accountId, toAddress: In(['user0002@contoso.test', 'user0003@contoso.test', 'user0004@contoso.test']) }),
    ).toBe(3);
    const after = await admin.gql(
      `query($id: ID!) { integration(id: $id) { status lastSyncAt lastError activeRun { id } lastRun { id } } }`,
      { id: integration.id },
    );
    expect(after.data!.integration).toMatchObject({ status: 'CONNECTED', lastError: null, activeRun: null, lastRun: { id: first.id } });
    expect(after.data!.integration.lastSyncAt).not.toBeNull();

    const writesBefore = await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId });
    // The second run reads only what changed since the first (Graph delta): nothing.
    const second = await sync(integration.id);
    expect(second).toMatchObject({
      state: 'SUCCEEDED',
      incremental: true,
      note: null,
      counts: { created: 0, linked: 0, updated: 0, unchanged: 0, skipped: 0, suspended: 0, failed: 0 },
    });
    expect(second.items.totalCount).toBe(0);
    // Read in full again (the delta link expired), the same directory still changes nothing.
    graph.expireDeltaTokens();
    const third = await sync(integration.id);
    expect(third).toMatchObject({
      state: 'SUCCEEDED',
      incremental: false,
      counts: { created: 0, linked: 0, updated: 0, unchanged: 4, skipped: 1, suspended: 0, failed: 0 },
    });
    expect(third.items.totalCount).toBe(1);
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId })).toBe(writesBefore + 4); // only each run's sync_started and sync.finished entries
  });

  it('follows an email change upstream through the external id, keeping the pending invitation', async () => {
    const [user] = graph.seedUsers(1, 'rename.test');
    const integration = await createEntra('Entra rename');
    await sync(integration.id);
    const [before] = await membersOf([user!.mail!]);
    const invitation = await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: before!.id });

    user!.mail = 'renamed@rename.test';
    user!.displayName = 'Renamed Person';
    const run = await sync(integration.id);
    expect(run.counts).toMatchObject({ updated: 1, created: 0 });
    const after = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: before!.id });
    expect(after).toMatchObject({ email: 'renamed@rename.test', name: 'Renamed Person', status: UserStatus.INVITED });
    const stillPending = await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ id: invitation.id });
    expect(stillPending).toMatchObject({ state: 'PENDING', email: 'renamed@rename.test' });
  });

  it('stages new users without email when the options say so, and brings groups with their user members', async () => {
    const build = builders(roster.dataSource);
    const other = await build.anAccount({ name: 'Staging MSP' });
    await build.aUser(other.id, { email: 'owner@staging.test', role: Role.OWNER, password: 'owner-password' });
    const client = new RecordingClient(roster.url);
    await client.signIn('owner@staging.test', 'owner-password');
    const users = graph.seedUsers(3, 'staged.test');
    graph.groups.push({
      id: 'group-helpdesk',
      displayName: 'Helpdesk',
      description: null,
      members: [users[0]!.id, users[1]!.id, 'device-1'],
    });
    const created = await client.gql(CREATE, {
      input: {
        name: 'Entra staged',
        type: 'MICROSOFT_ENTRA',
        credentials: credentials(),
        options: { autoInvite: false, sendInvitationEmails: false, defaultRole: 'ADMIN' },
      },
    });
    const integrationId = created.data!.createIntegration.integration.id;
    await client.gql(START, { input: { integrationId } });
    await roster.services.syncEngine.runAll();
    const staged = await roster.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId: other.id, email: In(users.map((u) => u.mail!)) } });
    expect(staged.map((m) => [m.status, m.role])).toEqual([
      ['STAGED', 'ADMIN'],
      ['STAGED', 'ADMIN'],
      ['STAGED', 'ADMIN'],
    ]);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ accountId: other.id })).toBe(0);
    expect(await roster.dataSource.getRepository(InvitationEntity).countBy({ accountId: other.id })).toBe(0);
    const group = await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ accountId: other.id, name: 'Helpdesk' });
    const members = await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id });
    const byId = new Map(staged.map((m) => [m.id, m.email]));
    expect(members.map((m) => byId.get(m.membershipId)).sort()).toEqual([users[0]!.mail, users[1]!.mail].sort());

    // Upstream membership changes are mirrored; the run says so.
    graph.groups[0]!.members = [users[2]!.id];
    await client.gql(START, { input: { integrationId } });
    await roster.services.syncEngine.runAll();
    const runs = await client.gql(
      `query($id: ID!) { syncRuns(integrationId: $id, page: { first: 1 }) { totalCount edges { node { ${RUN_FIELDS} } } } }`,
      { id: integrationId },
    );
    expect(runs.data!.syncRuns.totalCount).toBe(2);
    const latest = runs.data!.syncRuns.edges[0].node;
    expect(latest.items.edges.map((e: any) => [e.node.label, e.node.action, e.node.message])).toEqual([
      ['Helpdesk', 'UPDATED', '1 member(s) added, 2 removed.'],
    ]);
    expect(
      (await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId: group.id })).map((m) => byId.get(m.membershipId)),
    ).toEqual([users[2]!.mail]);
  });

  it('suspends a user disabled upstream and restores them when enabled again', async () => {
    const users = graph.seedUsers(3, 'disable.test');
    const integration = await createEntra('Entra disable');
    await sync(integration.id);
    users[0]!.accountEnabled = false;
    const disabled = await sync(integration.id);
    expect(disabled).toMatchObject({ state: 'SUCCEEDED', incremental: true, counts: { suspended: 1, unchanged: 0 } });
    expect(disabled.items.edges.map((e: any) => [e.node.label, e.node.action])).toEqual([[users[0]!.mail, 'SUSPENDED']]);
    expect((await membersOf([users[0]!.mail!]))[0]!.status).toBe(UserStatus.SUSPENDED);
    users[0]!.accountEnabled = true;
    const enabled = await sync(integration.id);
    expect(enabled).toMatchObject({ state: 'SUCCEEDED', incremental: true, counts: { restored: 1, unchanged: 0 } });
    expect((await membersOf([users[0]!.mail!]))[0]!.status).toBe(UserStatus.INVITED);
  });

  it('stops before a mass suspension, shows it in a dry run that writes nothing, and suspends once confirmed', async () => {
    const users = graph.seedUsers(5, 'mass.test');
    const integration = await createEntra('Entra mass', { suspendThresholdPercent: 30 });
    await sync(integration.id);
    const ids = (await membersOf(users.map((u) => u.mail!))).map((m) => m.id);
    expect(ids).toHaveLength(5);

    // Two of five gone (40% > 30%) and one new upstream.
    graph.users = graph.users.filter((u) => u.id !== users[0]!.id && u.id !== users[1]!.id);
    const [newcomer] = graph.seedUsers(1, 'mass.test');
    const snapshot = async () => ({
      members: await roster.dataSource.getRepository(MembershipEntity).find({ where: { accountId }, order: { id: 'ASC' } }),
      links: await roster.dataSource
        .getRepository(ExternalLinkEntity)
        .find({ where: { integrationId: integration.id }, order: { id: 'ASC' } }),
      invitations: await roster.dataSource.getRepository(InvitationEntity).countBy({ accountId }),
      integration: await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integration.id }),
    });
    const before = await snapshot();
    const dry = await sync(integration.id, true);
    expect(dry).toMatchObject({
      state: 'SUCCEEDED',
      dryRun: true,
      pendingSuspensions: 2,
      counts: { created: 1, unchanged: 3, suspended: 0 },
    });
    expect(dry.items.edges.map((e: any) => [e.node.label, e.node.action]).sort()).toEqual(
      [
        [newcomer!.mail, 'CREATED'],
        [users[0]!.mail, 'PENDING_SUSPENSION'],
        [users[1]!.mail, 'PENDING_SUSPENSION'],
      ].sort(),
    );
    expect(await snapshot()).toEqual(before);

    const real = await sync(integration.id);
    expect(real).toMatchObject({
      state: 'AWAITING_CONFIRMATION',
      stage: 'REMOVALS',
      pendingSuspensions: 2,
      counts: { created: 1, suspended: 0 },
    });
    expect(
      real.items.edges
        .filter((e: any) => e.node.action === 'PENDING_SUSPENSION')
        .map((e: any) => e.node.localId)
        .sort(),
    ).toEqual([ids[0], ids[1]].sort());
    expect((await membersOf([users[0]!.mail!, users[1]!.mail!])).map((m) => m.status)).toEqual(['INVITED', 'INVITED']);
    const again = await admin.gql(START, { input: { integrationId: integration.id } });
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'SYNC_ALREADY_RUNNING', runId: real.id });

    const confirmed = await admin.gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, {
      input: { runId: real.id },
    });
    expect(confirmed.data!.confirmSync.run.state).toBe('QUEUED');
    await roster.services.syncEngine.runAll();
    const done = (await admin.gql(RUN, { id: real.id })).data!.syncRun;
    expect(done).toMatchObject({ state: 'SUCCEEDED', pendingSuspensions: 0, counts: { created: 1, suspended: 2 } });
    expect(done.items.edges.filter((e: any) => e.node.action === 'SUSPENDED')).toHaveLength(2);
    expect(done.items.edges.filter((e: any) => e.node.action === 'PENDING_SUSPENSION')).toHaveLength(0);
    expect((await membersOf([users[0]!.mail!, users[1]!.mail!])).map((m) => m.status)).toEqual(['SUSPENDED', 'SUSPENDED']);
    expect(
      errorCode(
        await admin.gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, {
          input: { runId: real.id },
        }),
      ),
    ).toBe('SYNC_RUN_NOT_ACTIVE');
  });

  it('a run confirmed after the options changed to KEEP keeps the users it had listed', async () => {
    const users = graph.seedUsers(4, 'keep.test');
    const integration = await createEntra('Entra keep');
    await sync(integration.id);
    graph.users = graph.users.filter((u) => u.id !== users[0]!.id && u.id !== users[1]!.id);
    const stopped = await sync(integration.id);
    expect(stopped).toMatchObject({ state: 'AWAITING_CONFIRMATION', pendingSuspensions: 2 });
    await admin.gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id: integration.id, options: { onUpstreamRemoval: 'KEEP' } },
    });
    await admin.gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, { input: { runId: stopped.id } });
    await roster.services.syncEngine.runAll();
    const done = (await admin.gql(RUN, { id: stopped.id })).data!.syncRun;
    expect(done).toMatchObject({ state: 'SUCCEEDED', pendingSuspensions: 0, counts: { kept: 2, suspended: 0 } });
    expect(done.items.edges.map((e: any) => e.node.action)).toEqual(['KEPT', 'KEPT']);
    expect((await membersOf([users[0]!.mail!, users[1]!.mail!])).map((m) => m.status)).toEqual(['INVITED', 'INVITED']);
  });

  it('refuses a second start while a run is active, even when both arrive at once', async () => {
    graph.seedUsers(1, 'race.test');
    const integration = await createEntra('Entra race');
    const results = await Promise.all([1, 2, 3].map(() => admin.gql(START, { input: { integrationId: integration.id } })));
    expect(results.filter((r) => r.data?.startSync).length).toBe(1);
    expect(results.filter((r) => errorCode(r) === 'SYNC_ALREADY_RUNNING').length).toBe(2);
    const cancelled = await admin.gql(`mutation($input: SyncRunIdInput!) { cancelSync(input: $input) { run { state } } }`, {
      input: { runId: results.find((r) => r.data?.startSync)!.data!.startSync.run.id },
    });
    expect(cancelled.data!.cancelSync.run.state).toBe('CANCELLED');
    expect((await admin.gql(START, { input: { integrationId: integration.id } })).data!.startSync.run.state).toBe('QUEUED');
    await roster.services.syncEngine.runAll();
  });

  it('resumes a run whose engine died mid-way and finishes it exactly once', async () => {
    graph.seedUsers(10, 'resume.test');
    graph.maxPageSize = 2;
    const integration = await createEntra('Entra resume');
    const started = await admin.gql(START, { input: { integrationId: integration.id } });
    const runId = started.data!.startSync.run.id;
    // Engine A gets two pages, then its connection to Graph hangs (as a dying process would stop answering).
    graph.hangAfter('/v1.0/users', 2);
    const env = {
      http: new OutboundHttp({ allowPrivateNetworks: () => true }),
      sleep: async () => {},
      microsoftLoginBaseUrl: graph.url,
      microsoftGraphBaseUrl: graph.url,
      googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
      googleDirectoryBaseUrl: 'https://admin.googleapis.com',
    };
    const silent = { info: () => {}, error: () => {} };
    const engine = (workerId: string, leaseMs: number, options: SyncEngineOptions = {}) =>
      new SyncEngine(roster.dataSource, roster.services.provisioning, roster.services.secretBox, roster.services.events, silent, env, {
        workerId,
        leaseMs,
        ...options,
      });
    // A dead process renews nothing: engine A's renewals never come round.
    const a = engine('engine-a', 300, { renewEveryMs: 3_600_000 }).runAll();
    const stuck = await waitFor(async () => {
      const run = await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: runId });
      return run.cursor !== null && run.itemCount === 4 ? run : null;
    });
    expect(stuck).toMatchObject({ state: 'RUNNING', stage: 'USERS', leaseOwner: 'engine-a' });

    // Engine B looks a minute later, long after A's lease ran out.
    expect(await engine('engine-b', 60_000, { now: () => Date.now() + 60_000 }).runAll()).toBe(1);
    graph.releaseHanging();
    expect(await a).toBe(0);

    const run = (await admin.gql(RUN, { id: runId })).data!.syncRun;
    expect(run).toMatchObject({ state: 'SUCCEEDED', counts: { created: 10, unchanged: 0, failed: 0 } });
    const items = await roster.dataSource.getRepository(SyncRunItemEntity).findBy({ runId });
    expect(new Set(items.map((i) => i.externalId)).size).toBe(10);
    expect(items).toHaveLength(10);
    const members = await roster.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId, email: In(graph.users.map((u) => u.mail!)) } });
    expect(members).toHaveLength(10);
    expect(await roster.dataSource.getRepository(InvitationEntity).countBy({ membershipId: In(members.map((m) => m.id)) })).toBe(10);
  });

  it('a server that starts after a crash resumes the run the dead one held, in the background', async () => {
    graph.seedUsers(3, 'restart.test');
    const integration = await createEntra('Entra restart');
    const started = await admin.gql(START, { input: { integrationId: integration.id } });
    const runId = started.data!.startSync.run.id;
    // As a server killed mid-run leaves it: claimed, lease expired, nothing handed back.
    await roster.dataSource
      .getRepository(SyncRunEntity)
      .update(
        { id: runId },
        { state: SyncRunState.RUNNING, leaseOwner: 'dead-server', leaseUntil: new Date(Date.now() - 1000), startedAt: new Date() },
      );
    const second = await startTestRoster(
      dialect,
      // Every instance of one deployment shares the credentials key.
      {
        microsoftLoginBaseUrl: graph.url,
        microsoftGraphBaseUrl: graph.url,
        outboundAllowPrivateNetworks: true,
        credentialsKey: roster.services.config.credentialsKey,
      },
      { runOutboxWorker: false, syncEngine: { pollMs: 50 }, logger },
      roster.database,
    );
    try {
      const run = await waitFor(async () => {
        const row = await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: runId });
        return row.state === SyncRunState.SUCCEEDED ? row : null;
      });
      expect(JSON.parse(run.counts)).toMatchObject({ created: 3 });
      expect(run.activeKey).toBeNull();
      // The background engine also picks up a run started through the API, without being asked twice.
      const next = await admin.gql(START, { input: { integrationId: integration.id } });
      expect(next.errors).toBeUndefined();
      await waitFor(
        async () =>
          (await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: next.data!.startSync.run.id })).state ===
          SyncRunState.SUCCEEDED,
      );
    } finally {
      await second.close();
    }
  });

  it('waits as long as Graph’s Retry-After says when throttled', async () => {
    graph.seedUsers(2, 'throttle.test');
    const integration = await createEntra('Entra throttled');
    graph.throttleNext(1);
    const from = graph.requests.length;
    const run = await sync(integration.id);
    expect(run).toMatchObject({ state: 'SUCCEEDED', counts: { created: 2 } });
    const calls = graph.requests.slice(from).filter((r) => r.path.startsWith('/v1.0/'));
    const throttled = calls.findIndex((r) => r.status === 429);
    expect(throttled).toBeGreaterThanOrEqual(0);
    expect(calls[throttled + 1]!.at - calls[throttled]!.at).toBeGreaterThanOrEqual(950);
  });

  it('records a failed run with the reason and marks the integration in error', async () => {
    const integration = await createEntra('Entra no consent');
    graph.consented = false;
    const run = await sync(integration.id);
    expect(run.state).toBe('FAILED');
    // What the status means, never the answer's text (Graph's own code and message stay out).
    expect(run.error).toMatch(/refused access \(403\).*admin consent/);
    expect(run.error).not.toMatch(/Authorization_RequestDenied/);
    const after = await admin.gql(`query($id: ID!) { integration(id: $id) { status lastError activeRun { id } } }`, { id: integration.id });
    expect(after.data!.integration).toMatchObject({ status: 'ERROR', activeRun: null });
    expect(after.data!.integration.lastError).toBe(run.error);
  });

  it('keeps integrations of one account invisible to another', async () => {
    const integration = await createEntra('Entra private');
    const run = await sync(integration.id);
    const build = builders(roster.dataSource);
    const other = await build.anAccount({ name: 'Other MSP' });
    await build.aUser(other.id, { email: 'admin@other-msp.test', role: Role.ADMIN, password: 'other-password' });
    const outsider = new RecordingClient(roster.url);
    await outsider.signIn('admin@other-msp.test', 'other-password');
    const attempts = [
      outsider.gql(`query($id: ID!) { integration(id: $id) { id } }`, { id: integration.id }),
      outsider.gql(`query($id: ID!) { syncRuns(integrationId: $id) { totalCount } }`, { id: integration.id }),
      outsider.gql(`query($id: ID!) { syncRun(id: $id) { id } }`, { id: run.id }),
      outsider.gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
        input: { id: integration.id, name: 'mine' },
      }),
      outsider.gql(`mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok } }`, {
        input: { id: integration.id },
      }),
      outsider.gql(START, { input: { integrationId: integration.id } }),
      outsider.gql(`mutation($input: SyncRunIdInput!) { cancelSync(input: $input) { run { id } } }`, { input: { runId: run.id } }),
      outsider.gql(`mutation($input: IntegrationIdInput!) { disableIntegration(input: $input) { integration { id } } }`, {
        input: { id: integration.id },
      }),
      outsider.gql(`mutation($input: IntegrationIdInput!) { deleteIntegration(input: $input) { id } }`, { input: { id: integration.id } }),
    ];
    for (const result of await Promise.all(attempts)) expect(errorCode(result)).toBe('NOT_FOUND');
    expect((await outsider.gql(`{ integrations { totalCount } }`)).data!.integrations.totalCount).toBe(0);
    expect((await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integration.id })).name).toBe('Entra private');

    await build.aUser(accountId, { email: 'member@graph-msp.test', role: Role.MEMBER, password: 'member-password' });
    const member = new TestClient(roster.url);
    await member.signIn('member@graph-msp.test', 'member-password');
    expect(errorCode(await member.gql(`{ integrations { totalCount } }`))).toBe('FORBIDDEN');
  });

  it('a pull integration saved after a failed wizard test says it is not tested, then what its own test found', async () => {
    const TEST = `mutation($input: TestIntegrationConnectionInput!) { testIntegrationConnection(input: $input) { ok integration { status lastError } } }`;
    const wrong = [...credentials().slice(0, 2), { name: 'clientSecret', value: 'typo-secret' }];
    expect((await admin.gql(TEST, { input: { type: 'MICROSOFT_ENTRA', credentials: wrong } })).data!.testIntegrationConnection.ok).toBe(
      false,
    );
    // The admin saves anyway: Roster does not claim it is connected.
    const saved = await admin.gql(CREATE, { input: { name: 'Entra saved anyway', type: 'MICROSOFT_ENTRA', credentials: wrong } });
    const id = saved.data!.createIntegration.integration.id;
    expect(saved.data!.createIntegration.integration).toMatchObject({ status: 'NOT_TESTED', lastError: null });
    const failed = await admin.gql(TEST, { input: { id } });
    expect(failed.data!.testIntegrationConnection.integration).toMatchObject({
      status: 'ERROR',
      lastError: expect.stringMatching(/AADSTS/),
    });
    await admin.gql(`mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`, {
      input: { id, credentials: [{ name: 'clientSecret', value: graph.clientSecret }] },
    });
    const fixed = await admin.gql(TEST, { input: { id } });
    expect(fixed.data!.testIntegrationConnection.integration).toEqual({ status: 'CONNECTED', lastError: null });
  });

  it('disabling cancels the active run and refuses new syncs until enabled', async () => {
    const integration = await createEntra('Entra toggled', {}, { syncIntervalMinutes: 30 });
    const started = await admin.gql(START, { input: { integrationId: integration.id } });
    const disabled = await admin.gql(
      `mutation($input: IntegrationIdInput!) { disableIntegration(input: $input) { integration { status nextSyncAt } } }`,
      { input: { id: integration.id } },
    );
    expect(disabled.data!.disableIntegration.integration).toEqual({ status: 'DISABLED', nextSyncAt: null });
    expect((await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun.state).toBe('CANCELLED');
    expect(errorCode(await admin.gql(START, { input: { integrationId: integration.id } }))).toBe('INTEGRATION_DISABLED');
    const enabled = await admin.gql(
      `mutation($input: IntegrationIdInput!) { enableIntegration(input: $input) { integration { status nextSyncAt } } }`,
      { input: { id: integration.id } },
    );
    // Never tested nor synced (its only run was cancelled): enabled again, it is still not known to work.
    expect(enabled.data!.enableIntegration.integration.status).toBe('NOT_TESTED');
    expect(enabled.data!.enableIntegration.integration.nextSyncAt).not.toBeNull();
  });

  it('starts due scheduled syncs once, even with two engines polling', async () => {
    graph.seedUsers(1, 'schedule.test');
    const integration = await createEntra('Entra scheduled', {}, { syncIntervalMinutes: 15 });
    const due = new Date(Date.now() - 1000);
    await roster.dataSource.getRepository(IntegrationEntity).update({ id: integration.id }, { nextSyncAt: due });
    const env = {
      http: new OutboundHttp({ allowPrivateNetworks: () => true }),
      sleep: async () => {},
      microsoftLoginBaseUrl: graph.url,
      microsoftGraphBaseUrl: graph.url,
      googleOAuthTokenUrl: 'https://oauth2.googleapis.com/token',
      googleDirectoryBaseUrl: 'https://admin.googleapis.com',
    };
    const engines = ['x', 'y'].map(
      (w) =>
        new SyncEngine(roster.dataSource, roster.services.provisioning, roster.services.secretBox, roster.services.events, logger, env, {
          workerId: w,
        }),
    );
    const started = await Promise.all(engines.map((e) => e.startDueSyncs()));
    expect(started[0]! + started[1]!).toBe(1);
    await roster.services.syncEngine.runAll();
    const runs = await roster.dataSource.getRepository(SyncRunEntity).findBy({ integrationId: integration.id });
    expect(runs.map((r) => [r.trigger, r.state])).toEqual([['SCHEDULE', 'SUCCEEDED']]);
    expect((await admin.gql(RUN, { id: runs[0]!.id })).data!.syncRun).toMatchObject({ trigger: 'SCHEDULE', requestedBy: null });
    const after = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integration.id });
    expect(after.nextSyncAt!.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
  });

  it('announces a run live when it is queued and when it ends', async () => {
    graph.seedUsers(1, 'live.test');
    const integration = await createEntra('Entra live');
    const live = subscribe(roster.url, admin.cookie, `subscription { syncRunUpdated { id integrationId state counts { created } } }`);
    // Connected is not yet subscribed: queue a run until the subscription hears one, cancelling the unheard ones.
    let runId = '';
    await untilHeard(live, async () => {
      if (runId) await admin.gql(`mutation($input: SyncRunIdInput!) { cancelSync(input: $input) { run { state } } }`, { input: { runId } });
      const started = await admin.gql(START, { input: { integrationId: integration.id } });
      const id: string = started.data!.startSync.run.id;
      runId = id;
      return (e: any) => e.id === id && e.state === 'QUEUED';
    });
    await roster.services.syncEngine.runAll();
    const finished = await live.next((e: any) => e.id === runId && e.state === 'SUCCEEDED');
    expect(finished).toMatchObject({ integrationId: integration.id, counts: { created: 1 } });
    expect(live.errors).toEqual([]);
    await live.dispose();
  });

  it('reads a page of integrations with their runs in a fixed number of queries, whatever the page size', async () => {
    const LIST = `query($first: Int!) { integrations(page: { first: $first }) { edges { node { id credentialFieldsSet activeRun { id requestedBy } lastRun { id state requestedBy } } } } }`;
    const costOf = async (first: number) => {
      await admin.gql(LIST, { first }); // the session lookup is cached after the first call of a page size
      roster.resetQueryCount();
      const result = await admin.gql(LIST, { first });
      expect(result.errors).toBeUndefined();
      expect(result.data!.integrations.edges.length).toBe(first);
      return roster.queryCount();
    };
    for (let i = 0; i < 4; i++) {
      const entra = await createEntra(`Entra listed ${i}`);
      if (i % 2 === 0) await admin.gql(START, { input: { integrationId: entra.id } });
      await admin.gql(CREATE, { input: { name: `SCIM listed ${i}`, type: 'SCIM' } });
    }
    expect(await costOf(8)).toBe(await costOf(2));
    await roster.services.syncEngine.runAll();
  });

  it('never puts a credential into an API answer, a log line or the audit trail', async () => {
    // Runs last: every answer the admin received in this file, and every log line, is checked.
    expect(graph.tokenRequests.some((form) => form.get('client_secret') === graph.clientSecret)).toBe(true);
    expect(admin.answers.length).toBeGreaterThan(20);
    for (const answer of admin.answers) expect(answer).not.toContain(graph.clientSecret);
    for (const line of logLines) expect(line).not.toContain(graph.clientSecret);
    for (const line of logLines) expect(line).not.toContain('rotated-wrong-secret');
    const audit = await roster.dataSource.getRepository(AuditEventEntity).find({ where: { accountId } });
    for (const entry of audit) expect(entry.details ?? '').not.toContain(graph.clientSecret);
    const items = await roster.dataSource.getRepository(SyncRunItemEntity).find();
    const runs = await roster.dataSource.getRepository(SyncRunEntity).find();
    for (const row of [...items, ...runs]) expect(JSON.stringify(row)).not.toContain(graph.clientSecret);
  });
});

async function waitFor<T>(read: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
