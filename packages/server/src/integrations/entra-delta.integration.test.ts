import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { FakeGoogleWorkspace } from '../../test/fakes/google-workspace.js';
import { FakeMicrosoftGraph, type FakeGraphUser } from '../../test/fakes/microsoft-graph.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { IntegrationEntity } from './integration.entity.js';

const CREATE = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
const START = `mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }`;
const RUN = `query($id: ID!) { syncRun(id: $id) { id state dryRun incremental note error pendingSuspensions pendingGroupDeletions pendingVaultArchives
  counts { created linked updated unchanged suspended restored kept skipped failed deleted }
  items(page: { first: 100 }) { totalCount edges { node { resourceType label action localId message } } } } }`;

/** Entra ID syncs that read only what changed (Graph delta queries), and groups deleted upstream mirrored. */
describe.each(dialects)('Entra ID incremental syncs (%s)', (dialect) => {
  let roster: TestRoster;
  let graph: FakeMicrosoftGraph;
  let google: FakeGoogleWorkspace;
  let admin: TestClient;
  let accountId: string;
  let domainCount = 0;

  beforeAll(async () => {
    graph = await new FakeMicrosoftGraph().start();
    google = await new FakeGoogleWorkspace().start();
    roster = await startTestRoster(
      dialect,
      {
        microsoftLoginBaseUrl: graph.url,
        microsoftGraphBaseUrl: graph.url,
        googleOAuthTokenUrl: google.tokenUrl,
        googleDirectoryBaseUrl: google.url,
        outboundAllowPrivateNetworks: true,
      },
      { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Delta MSP' });
    accountId = account.id;
    await build.aUser(account.id, { email: 'owner@delta-msp.test', role: Role.OWNER, password: 'owner-password' });
    admin = new TestClient(roster.url);
    await admin.signIn('owner@delta-msp.test', 'owner-password');
  });
  afterAll(async () => {
    await roster?.close();
    await graph?.stop();
    await google?.stop();
  });
  beforeEach(() => {
    graph.users = [];
    graph.groups = [];
    graph.consented = true;
    graph.maxPageSize = 999;
  });

  /** Users in a domain of the test's own, so tests never share users. */
  const seed = (count: number) => graph.seedUsers(count, `delta${++domainCount}.test`);
  async function createEntra(options: Record<string, unknown> = { suspendThresholdPercent: 100 }): Promise<string> {
    const credentials = [
      { name: 'tenantId', value: graph.tenantId },
      { name: 'clientId', value: graph.clientId },
      { name: 'clientSecret', value: graph.clientSecret },
    ];
    const result = await admin.gql(CREATE, { input: { name: `Entra ${domainCount}`, type: 'MICROSOFT_ENTRA', credentials, options } });
    expect(result.errors).toBeUndefined();
    return result.data!.createIntegration.integration.id;
  }
  /** Runs a sync to its end; returns the run and the Graph calls it made (path and query). */
  async function sync(integrationId: string, dryRun = false) {
    const from = graph.requests.length;
    const started = await admin.gql(START, { input: { integrationId, dryRun } });
    expect(started.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    const run = (await admin.gql(RUN, { id: started.data!.startSync.run.id })).data!.syncRun;
    const calls = graph.requests.slice(from).filter((r) => r.path.startsWith('/v1.0/'));
    return { run, calls: calls.map((r) => `${r.status} ${r.path}${r.query}`) };
  }
  const stateOf = async (integrationId: string) =>
    JSON.parse((await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integrationId })).syncState ?? 'null') as {
      users: string;
      groups: string;
    } | null;
  const tokenOf = (link: string) => new URL(link).searchParams.get('$deltatoken');
  const members = (users: FakeGraphUser[]) =>
    roster.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId, email: In(users.map((u) => u.mail!)) }, order: { email: 'ASC' } });
  const actions = (run: any) => run.items.edges.map((e: any) => [e.node.label, e.node.action]).sort();
  const groupNamed = (name: string) => roster.dataSource.getRepository(GroupEntity).findOneBy({ accountId, name });
  async function memberEmails(groupId: string): Promise<string[]> {
    const rows = await roster.dataSource.getRepository(GroupMemberEntity).findBy({ groupId });
    const users = await roster.dataSource.getRepository(MembershipEntity).findBy({ id: In(rows.map((r) => r.membershipId)) });
    return users.map((u) => u.email).sort();
  }

  it('the second sync reads only the change made upstream since the first, from the deltaLink the first one left', async () => {
    const users = seed(6);
    graph.groups.push({ id: `g-${domainCount}`, displayName: `Helpdesk ${domainCount}`, description: null, members: [users[0]!.id] });
    graph.maxPageSize = 2;
    const integrationId = await createEntra();
    const first = await sync(integrationId);
    expect(first.run).toMatchObject({ state: 'SUCCEEDED', incremental: false, note: null, counts: { created: 7, deleted: 0 } }); // six users and a group
    expect(first.calls.filter((c) => c.includes('/v1.0/users?'))).toHaveLength(3);
    const state = (await stateOf(integrationId))!;
    expect(state.users).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=/);
    expect(state.groups).toMatch(/\/v1\.0\/groups\/delta\?\$deltatoken=/);
    const before = await members(users);

    graph.updateUser(users[1]!.id, { displayName: 'Renamed Person', mail: `renamed@delta${domainCount}.test` });
    const auditFrom = await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId });
    const second = await sync(integrationId);
    expect(second.run).toMatchObject({
      state: 'SUCCEEDED',
      incremental: true,
      counts: { created: 0, updated: 1, unchanged: 0, suspended: 0, skipped: 0, deleted: 0 },
    });
    expect(actions(second.run)).toEqual([[`renamed@delta${domainCount}.test`, 'UPDATED']]);
    // What Graph was asked: the two deltaLinks the first run left, and nothing else (no full read, no member lists).
    expect(second.calls).toEqual([
      `200 /v1.0/users/delta?$deltatoken=${tokenOf(state.users)}`,
      `200 /v1.0/groups/delta?$deltatoken=${tokenOf(state.groups)}`,
    ]);
    const renamed = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: before[1]!.id });
    expect(renamed).toMatchObject({ email: `renamed@delta${domainCount}.test`, name: 'Renamed Person' });
    // The other users were not touched: no audit entry names them, and they are as they were.
    const audit = await roster.dataSource.getRepository(AuditEventEntity).find({ where: { accountId }, order: { createdAt: 'ASC' } });
    const others = new Set(before.filter((m) => m.id !== before[1]!.id).map((m) => m.id));
    expect(audit.slice(auditFrom).filter((a) => a.targetId && others.has(a.targetId))).toEqual([]);
    expect((await roster.dataSource.getRepository(MembershipEntity).findBy({ id: In([...others]) })).map((m) => m.status)).toEqual(
      before.filter((m) => others.has(m.id)).map((m) => m.status),
    );
    // The next run reads from the new links.
    const next = (await stateOf(integrationId))!;
    expect(tokenOf(next.users)).not.toBe(tokenOf(state.users));
    const third = await sync(integrationId);
    expect(third.run).toMatchObject({ incremental: true, counts: { updated: 0, unchanged: 0 } });
    expect(third.calls[0]).toBe(`200 /v1.0/users/delta?$deltatoken=${tokenOf(next.users)}`);
  });

  it('suspends a user Graph reports @removed, never an owner, and leaves the users it does not mention alone', async () => {
    const users = seed(5);
    const integrationId = await createEntra();
    await sync(integrationId);
    // The first upstream user is (in Roster) an owner of the account.
    const [ownerMember] = await members([users[0]!]);
    await roster.dataSource.getRepository(MembershipEntity).update({ id: ownerMember!.id }, { role: Role.OWNER });

    graph.removeUser(users[0]!.id);
    graph.removeUser(users[1]!.id); // into the recycle bin: reason "changed"
    graph.removeUser(users[2]!.id, { permanently: true }); // reason "deleted"
    const removal = await sync(integrationId);
    expect(removal.calls.some((c) => c.includes('/v1.0/users?'))).toBe(false);
    expect(removal.run).toMatchObject({ state: 'SUCCEEDED', incremental: true, counts: { suspended: 2, skipped: 1, unchanged: 0 } });
    expect(actions(removal.run)).toEqual(
      [
        [users[0]!.mail, 'SKIPPED'],
        [users[1]!.mail, 'SUSPENDED'],
        [users[2]!.mail, 'SUSPENDED'],
      ].sort(),
    );
    const after = await members(users);
    expect(after.map((m) => [m.email, m.status])).toEqual([
      [users[0]!.mail, UserStatus.INVITED],
      [users[1]!.mail, UserStatus.SUSPENDED],
      [users[2]!.mail, UserStatus.SUSPENDED],
      [users[3]!.mail, UserStatus.INVITED],
      [users[4]!.mail, UserStatus.INVITED],
    ]);
    // Heard once: the next run has nothing to remove (an admin may restore them without a sync undoing it).
    const quiet = await sync(integrationId);
    expect(quiet.run).toMatchObject({ incremental: true, counts: { suspended: 0, skipped: 0 } });
    expect(quiet.run.items.totalCount).toBe(0);
  });

  it('stops before a mass suspension heard through delta, keeps the old links until confirmed, then suspends', async () => {
    const users = seed(5);
    const integrationId = await createEntra({ suspendThresholdPercent: 30 });
    await sync(integrationId);
    const state = await stateOf(integrationId);
    graph.removeUser(users[0]!.id);
    graph.removeUser(users[1]!.id);
    const waiting = await sync(integrationId);
    expect(waiting.run).toMatchObject({ state: 'AWAITING_CONFIRMATION', incremental: true, pendingSuspensions: 2 });
    expect(await stateOf(integrationId)).toEqual(state);
    const confirmed = await admin.gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, {
      input: { runId: waiting.run.id },
    });
    expect(confirmed.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    const done = (await admin.gql(RUN, { id: waiting.run.id })).data!.syncRun;
    expect(done).toMatchObject({ state: 'SUCCEEDED', counts: { suspended: 2 } });
    expect((await members(users)).map((m) => m.status)).toEqual(['SUSPENDED', 'SUSPENDED', 'INVITED', 'INVITED', 'INVITED']);
    expect(tokenOf((await stateOf(integrationId))!.users)).not.toBe(tokenOf(state!.users));
  });

  it('applies members@delta as member changes, and deletes a group deleted upstream (its users stay)', async () => {
    const [a, b, c, d] = seed(4);
    const n = domainCount;
    graph.groups.push({ id: `g1-${n}`, displayName: `Support ${n}`, description: null, members: [a!.id, b!.id, c!.id] });
    graph.groups.push({ id: `g2-${n}`, displayName: `Sales ${n}`, description: null, members: [d!.id] });
    const integrationId = await createEntra();
    await sync(integrationId);
    const support = (await groupNamed(`Support ${n}`))!;
    const sales = (await groupNamed(`Sales ${n}`))!;
    expect(await memberEmails(support.id)).toEqual([a!.mail, b!.mail, c!.mail].sort());

    graph.addMembers(`g1-${n}`, d!.id, 'printer-1');
    graph.removeMembers(`g1-${n}`, a!.id);
    graph.removeGroup(`g2-${n}`);
    const changed = await sync(integrationId);
    expect(changed.calls.some((c) => c.includes('/members'))).toBe(false);
    expect(changed.run).toMatchObject({ state: 'SUCCEEDED', incremental: true, counts: { updated: 1, deleted: 1 } });
    expect(changed.run.items.edges.map((e: any) => [e.node.resourceType, e.node.label, e.node.action, e.node.message]).sort()).toEqual([
      ['GROUP', `Sales ${n}`, 'DELETED', 'Deleted upstream; its users stay.'],
      ['GROUP', `Support ${n}`, 'UPDATED', '1 member(s) added, 1 removed.'],
    ]);
    expect(await memberEmails(support.id)).toEqual([b!.mail, c!.mail, d!.mail].sort());
    expect(await groupNamed(`Sales ${n}`)).toBeNull();
    expect((await members([d!]))[0]!.status).toBe(UserStatus.INVITED);
    expect(
      await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId, action: 'group.deleted', targetId: sales.id }),
    ).toBe(1);
  });

  it('an expired deltaLink (410 syncStateNotFound) makes the run read everything in the same run, and the run says why', async () => {
    const users = seed(4);
    const integrationId = await createEntra();
    await sync(integrationId);
    const state = (await stateOf(integrationId))!;
    graph.removeUser(users[0]!.id, { permanently: true });
    graph.expireDeltaTokens({ status: 410, code: 'syncStateNotFound' });
    const { run, calls } = await sync(integrationId);
    expect(calls[0]).toBe(`410 /v1.0/users/delta?$deltatoken=${tokenOf(state.users)}`);
    expect(calls[1]).toMatch(/^200 \/v1\.0\/users\/delta\?.*\$deltatoken=latest$/);
    expect(calls.some((c) => c.startsWith('200 /v1.0/users?'))).toBe(true);
    expect(run).toMatchObject({ state: 'SUCCEEDED', incremental: false, counts: { unchanged: 3, suspended: 1 } });
    expect(run.note).toMatch(/no longer knows the delta link.*This run read everything instead\./);
    expect((await members([users[0]!]))[0]!.status).toBe(UserStatus.SUSPENDED);
    // Fresh links: the run after reads changes again, from them.
    const fresh = (await stateOf(integrationId))!;
    expect(tokenOf(fresh.users)).not.toBe(tokenOf(state.users));
    const next = await sync(integrationId);
    expect(next.run).toMatchObject({ incremental: true, note: null });
    expect(next.calls[0]).toBe(`200 /v1.0/users/delta?$deltatoken=${tokenOf(fresh.users)}`);
  });

  it('reads everything after the credentials were saved again (another tenant, say), then changes only again', async () => {
    seed(2);
    const integrationId = await createEntra();
    await sync(integrationId);
    expect((await sync(integrationId)).run).toMatchObject({ incremental: true });
    const updated = await admin.gql(
      `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { id } } }`,
      {
        input: { id: integrationId, credentials: [{ name: 'clientSecret', value: graph.clientSecret }] },
      },
    );
    expect(updated.errors).toBeUndefined();
    const afterSave = await sync(integrationId);
    expect(afterSave.run).toMatchObject({ state: 'SUCCEEDED', incremental: false, note: null, counts: { unchanged: 2 } });
    expect(afterSave.calls.some((c) => c.includes('$deltatoken=latest'))).toBe(true);
    expect((await sync(integrationId)).run).toMatchObject({ incremental: true });
  });

  it('deletes fewer groups than the safeguard allows at once; most of them vanishing stops the run, which deletes nothing until confirmed', async () => {
    const [user] = seed(1);
    const n = domainCount;
    for (const i of [1, 2, 3, 4])
      graph.groups.push({ id: `t${i}-${n}`, displayName: `Team ${i} ${n}`, description: null, members: [user!.id] });
    const integrationId = await createEntra({ suspendThresholdPercent: 30 });
    await sync(integrationId);
    // One of four (25%): under the threshold, deleted at once.
    graph.removeGroup(`t1-${n}`);
    const under = await sync(integrationId);
    expect(under.run).toMatchObject({ state: 'SUCCEEDED', incremental: true, pendingGroupDeletions: 0, counts: { deleted: 1 } });
    expect(await groupNamed(`Team 1 ${n}`)).toBeNull();

    // Two of the three left (67%): a dry run says the run would stop, and the run stops.
    graph.removeGroup(`t2-${n}`);
    graph.removeGroup(`t3-${n}`);
    const dry = await sync(integrationId, true);
    expect(dry.run).toMatchObject({ state: 'SUCCEEDED', dryRun: true, pendingGroupDeletions: 2, counts: { deleted: 0 } });
    const waiting = await sync(integrationId);
    expect(waiting.run).toMatchObject({
      state: 'AWAITING_CONFIRMATION',
      incremental: true,
      pendingGroupDeletions: 2,
      pendingSuspensions: 0,
      pendingVaultArchives: 0,
      counts: { deleted: 0 },
    });
    for (const run of [dry.run, waiting.run])
      expect(run.items.edges.map((e: any) => [e.node.label, e.node.action, e.node.message]).sort()).toEqual(
        [`Team 2 ${n}`, `Team 3 ${n}`].map((name) => [
          name,
          'PENDING_DELETION',
          'No longer upstream: 2 of the integration’s 3 group(s) (67%) would be deleted; the safeguard stops above 30%.',
        ]),
      );
    expect(await groupNamed(`Team 2 ${n}`)).not.toBeNull();
    expect(await groupNamed(`Team 3 ${n}`)).not.toBeNull();

    const confirmed = await admin.gql(`mutation($input: SyncRunIdInput!) { confirmSync(input: $input) { run { state } } }`, {
      input: { runId: waiting.run.id },
    });
    expect(confirmed.errors).toBeUndefined();
    await roster.services.syncEngine.runAll();
    const done = (await admin.gql(RUN, { id: waiting.run.id })).data!.syncRun;
    expect(done).toMatchObject({ state: 'SUCCEEDED', pendingGroupDeletions: 0, counts: { deleted: 2 } });
    expect(actions(done)).toEqual([
      [`Team 2 ${n}`, 'DELETED'],
      [`Team 3 ${n}`, 'DELETED'],
    ]);
    expect(await groupNamed(`Team 2 ${n}`)).toBeNull();
    expect(await groupNamed(`Team 4 ${n}`)).not.toBeNull();
    expect((await members([user!]))[0]!.status).toBe(UserStatus.INVITED);
  });

  it('a dry run reads everything and neither stores nor advances the deltaLink; it says which groups it would delete', async () => {
    const users = seed(3);
    const n = domainCount;
    graph.groups.push({ id: `g-${n}`, displayName: `Dry ${n}`, description: null, members: [users[0]!.id] });
    const integrationId = await createEntra();
    await sync(integrationId);
    const state = await stateOf(integrationId);
    graph.updateUser(users[2]!.id, { displayName: 'Changed Name' });
    graph.removeGroup(`g-${n}`);
    const dry = await sync(integrationId, true);
    expect(dry.run).toMatchObject({
      state: 'SUCCEEDED',
      dryRun: true,
      incremental: false,
      counts: { updated: 1, unchanged: 2, deleted: 1 },
    });
    expect(dry.calls.some((c) => c.includes('/delta'))).toBe(false);
    expect(actions(dry.run)).toContainEqual([`Dry ${n}`, 'DELETED']);
    expect(await groupNamed(`Dry ${n}`)).not.toBeNull();
    expect(await stateOf(integrationId)).toEqual(state);
    // The real run after it still reads the changes since the last real sync, from the same link.
    const real = await sync(integrationId);
    expect(real.calls[0]).toBe(`200 /v1.0/users/delta?$deltatoken=${tokenOf(state!.users)}`);
    expect(real.run).toMatchObject({ incremental: true, counts: { updated: 1, deleted: 1 } });
    expect(await groupNamed(`Dry ${n}`)).toBeNull();
  });

  it('a full read deletes the groups it did not see upstream (after a lost link), and a failed run leaves the links as they were', async () => {
    const users = seed(2);
    const n = domainCount;
    graph.groups.push({ id: `ga-${n}`, displayName: `Kept ${n}`, description: null, members: [users[0]!.id] });
    graph.groups.push({ id: `gb-${n}`, displayName: `Gone ${n}`, description: null, members: [users[1]!.id] });
    const integrationId = await createEntra();
    await sync(integrationId);
    const gone = (await groupNamed(`Gone ${n}`))!;

    // A run that fails half-way keeps the old links: the next run reads the same changes again.
    const state = await stateOf(integrationId);
    graph.updateUser(users[0]!.id, { displayName: 'Seen Twice' });
    graph.consented = false;
    const failed = await sync(integrationId);
    expect(failed.run).toMatchObject({ state: 'FAILED', incremental: true });
    expect(await stateOf(integrationId)).toEqual(state);
    graph.consented = true;
    const retried = await sync(integrationId);
    expect(retried.calls[0]).toBe(`200 /v1.0/users/delta?$deltatoken=${tokenOf(state!.users)}`);
    expect(retried.run).toMatchObject({ state: 'SUCCEEDED', counts: { updated: 1 } });

    // Without a link (none stored: the integration's first run, or one lost), the run reads everything; a group it did
    // not see is gone upstream.
    graph.groups = graph.groups.filter((g) => g.id !== `gb-${n}`);
    await roster.dataSource.getRepository(IntegrationEntity).update({ id: integrationId }, { syncState: null });
    const full = await sync(integrationId);
    expect(full.calls.some((c) => c.startsWith('200 /v1.0/groups?'))).toBe(true);
    expect(full.run).toMatchObject({ state: 'SUCCEEDED', incremental: false, counts: { deleted: 1, unchanged: 3 } }); // two users and the group kept
    expect(actions(full.run)).toEqual([[`Gone ${n}`, 'DELETED']]);
    expect(await groupNamed(`Gone ${n}`)).toBeNull();
    expect(await groupNamed(`Kept ${n}`)).not.toBeNull();
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId, action: 'group.deleted', targetId: gone.id })).toBe(
      1,
    );
    expect((await members(users)).map((m) => m.status)).toEqual([UserStatus.INVITED, UserStatus.INVITED]);
  });

  it('Google Workspace (no change tracking): a group deleted upstream is deleted on the next sync, which reads everything', async () => {
    const [directoryAdmin] = google.seedUsers(1, 'gone-groups.test', true);
    const users = google.seedUsers(2, 'gone-groups.test');
    google.groups.push({ id: 'gg-keep', email: 'keep@gone-groups.test', name: 'Google Kept', description: '', members: [users[0]!.id] });
    google.groups.push({ id: 'gg-gone', email: 'gone@gone-groups.test', name: 'Google Gone', description: '', members: [users[1]!.id] });
    const credentials = [
      { name: 'serviceAccountKey', value: google.serviceAccountKey() },
      { name: 'adminEmail', value: directoryAdmin!.primaryEmail },
    ];
    const created = await admin.gql(CREATE, {
      input: { name: 'Google groups', type: 'GOOGLE_WORKSPACE', credentials, options: { suspendThresholdPercent: 100 } },
    });
    const integrationId = created.data!.createIntegration.integration.id;
    expect((await sync(integrationId)).run).toMatchObject({ state: 'SUCCEEDED', counts: { created: 5 } });
    const gone = (await groupNamed('Google Gone'))!;
    google.groups = google.groups.filter((g) => g.id !== 'gg-gone');
    const { run } = await sync(integrationId);
    expect(run).toMatchObject({ state: 'SUCCEEDED', incremental: false, counts: { deleted: 1, unchanged: 4 } });
    expect(actions(run)).toEqual([['Google Gone', 'DELETED']]);
    expect(await groupNamed('Google Gone')).toBeNull();
    expect(await groupNamed('Google Kept')).not.toBeNull();
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId, action: 'group.deleted', targetId: gone.id })).toBe(
      1,
    );
    expect(await roster.dataSource.getRepository(MembershipEntity).countBy({ accountId, email: users[1]!.primaryEmail })).toBe(1);
  });
});
