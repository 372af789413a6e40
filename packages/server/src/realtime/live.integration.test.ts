import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { SessionEntity } from '../auth/session.entity.js';
import { IntegrationType } from '../integrations/integration-kinds.js';
import { builders } from '../../test/builders.js';
import { LIVE_EVENT_USER_LIMIT } from '../core/events.js';
import { dialects } from '../../test/databases.js';
import WebSocket from 'ws';
import { createKey } from '../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { subscribe, untilHeard } from '../../test/live-client.js';

const USER_EVENTS =
  'subscription { userEvents { type removedUserIds resync users { id email name status invitationPending isAdministrator lastActiveAt } } }';
const INVITE = 'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { inviteLink user { id } } } }';
const ACCEPT = 'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }';
const SWITCH = 'mutation($id: ID!) { switchAccount(input: { accountId: $id }) { viewer { currentAccount { id } } } }';
const SUSPEND = 'mutation($ids: [ID!]!) { suspendUsers(input: { userIds: $ids }) { results { ok code } } }';
const CHANGE_ROLE =
  'mutation($ids: [ID!]!, $role: Role!) { changeUserRole(input: { userIds: $ids, role: $role }) { results { ok code } } }';

/** Fails with `what` instead of the test's timeout when `promise` does not settle in time. */
function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms).unref()),
  ]);
}

describe.each(dialects)('live updates over graphql-ws (%s)', (dialect) => {
  let roster: TestRoster;
  let alpha: TestClient;
  let alphaColleague: TestClient;
  let bravo: TestClient;
  let alphaId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, liveSessionCheckMs: 100 },
    );
    const build = builders(roster.dataSource);
    const a = await build.anAccount({ name: 'Alpha' });
    alphaId = a.id;
    const b = await build.anAccount({ name: 'Bravo' });
    await build.aUser(a.id, { email: 'one@alpha.test', role: Role.ADMIN, password: 'alpha-pass-1' });
    await build.aUser(a.id, { email: 'two@alpha.test', role: Role.ADMIN, password: 'alpha-pass-2' });
    await build.aUser(b.id, { email: 'one@bravo.test', role: Role.ADMIN, password: 'bravo-pass-1' });
    alpha = new TestClient(roster.url);
    alphaColleague = new TestClient(roster.url);
    bravo = new TestClient(roster.url);
    await alpha.signIn('one@alpha.test', 'alpha-pass-1');
    await alphaColleague.signIn('two@alpha.test', 'alpha-pass-2');
    await bravo.signIn('one@bravo.test', 'bravo-pass-1');
  });
  afterAll(() => roster?.close());

  it("pushes a colleague's invitation and the invitee's acceptance to an open dashboard, and never to another account", async () => {
    const watching = subscribe(roster.url, alpha.cookie, USER_EVENTS);
    const outsider = subscribe(roster.url, bravo.cookie, USER_EVENTS);
    const inviteIn = (client: TestClient, domain: string) => async (attempt: number) => {
      const email = `marker-${attempt}@${domain}`;
      await client.gql(INVITE, { a: email });
      return (e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === email);
    };
    await untilHeard(watching, inviteIn(alphaColleague, 'alpha.test'));
    await untilHeard(outsider, inviteIn(bravo, 'bravo.test'));
    const invited = await alphaColleague.gql(INVITE, { a: 'Newbie <newbie@alpha.test>' });
    const { inviteLink, user } = invited.data!.inviteUsers.results[0];
    const first = await watching.next((e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.id === user.id));
    expect(first.users).toEqual([
      expect.objectContaining({ id: user.id, email: 'newbie@alpha.test', status: 'INVITED', invitationPending: true }),
    ]);

    await new TestClient(roster.url).gql(ACCEPT, {
      input: { token: inviteLink.split('/invitations/')[1], name: 'New Bie', password: 'a-long-password' },
    });
    const accepted = await watching.next((e: any) => e.type === 'ACCEPTED');
    // Every column of the row is current: the name chosen on accepting, and Last activity no longer "Never".
    expect(accepted.users[0]).toMatchObject({ id: user.id, name: 'New Bie', status: 'ACTIVE', invitationPending: false });
    expect(accepted.users[0].lastActiveAt).not.toBeNull();

    // Bravo's own event comes after Alpha's: had Alpha's reached Bravo's socket, it would be there by now.
    await bravo.gql(INVITE, { a: 'own@bravo.test' });
    const own = await outsider.next((e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === 'own@bravo.test'));
    expect(own.users[0].email).toBe('own@bravo.test');
    expect(
      outsider.events.flatMap((e: any) => e.users.map((u: any) => u.email)).every((email: string) => email.endsWith('@bravo.test')),
    ).toBe(true);
    await watching.dispose();
    await outsider.dispose();
  });

  it('tells dashboards which users left (un-invite)', async () => {
    const watching = subscribe(roster.url, alpha.cookie, USER_EVENTS);
    await untilHeard(watching, async (attempt) => {
      await alphaColleague.gql(INVITE, { a: `stayer-${attempt}@alpha.test` });
      return (e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === `stayer-${attempt}@alpha.test`);
    });
    const invited = await alphaColleague.gql(INVITE, { a: 'leaver@alpha.test' });
    const userId = invited.data!.inviteUsers.results[0].user.id;
    await alphaColleague.gql('mutation($ids: [ID!]!) { uninviteUsers(input: { userIds: $ids }) { results { ok } } }', { ids: [userId] });
    const gone = await watching.next((e: any) => e.type === 'UNINVITED');
    expect(gone.removedUserIds).toEqual([userId]);
    expect(gone.users).toEqual([]);
    await watching.dispose();
  });

  it('refuses a socket without a valid session', async () => {
    const anonymous = subscribe(roster.url, null, USER_EVENTS);
    expect((await anonymous.closed).code).toBe(4403);
    const forged = subscribe(roster.url, 'roster_session=' + 'x'.repeat(43), USER_EVENTS);
    expect((await forged.closed).code).toBe(4403);
  });

  it("closes an expired session's socket, and a signed-out admin's", async () => {
    const client = new TestClient(roster.url);
    await client.signIn('one@alpha.test', 'alpha-pass-1');
    const live = subscribe(roster.url, client.cookie, USER_EVENTS);
    await (live as any).ready;
    const token = decodeURIComponent(client.cookie!.split('=')[1]!);
    const { hashToken } = await import('../auth/tokens.js');
    await roster.dataSource
      .getRepository(SessionEntity)
      .update({ tokenHash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await live.closed).toMatchObject({ code: 4401, reason: 'Session expired' });

    const other = new TestClient(roster.url);
    await other.signIn('one@alpha.test', 'alpha-pass-1');
    const second = subscribe(roster.url, other.cookie, USER_EVENTS);
    await (second as any).ready;
    await other.gql('mutation { signOut { signedOut } }');
    expect(await second.closed).toMatchObject({ code: 4401, reason: 'Signed out' });
  });

  it("checks access in the subscription's own account on every event: an admin suspended there is cut off (4403) though the session moved on, and the account's real admins keep their full rows", async () => {
    const build = builders(roster.dataSource);
    const a = await build.anAccount({ name: 'Home' });
    const b = await build.anAccount({ name: 'Side' });
    await build.aUser(a.id, { email: 'p@both.test', role: Role.ADMIN, password: 'p-password-1' });
    const pInB = await build.aUser(b.id, { email: 'p@both.test', role: Role.ADMIN });
    await build.aUser(b.id, { email: 'admin@side.test', role: Role.ADMIN, password: 'side-pass-1' });
    const p = new TestClient(roster.url);
    const bAdmin = new TestClient(roster.url);
    await p.signIn('p@both.test', 'p-password-1');
    await bAdmin.signIn('admin@side.test', 'side-pass-1');
    expect((await p.gql(SWITCH, { id: b.id })).data!.switchAccount.viewer.currentAccount.id).toBe(b.id);

    const pLive = subscribe(roster.url, p.cookie, USER_EVENTS);
    const bLive = subscribe(roster.url, bAdmin.cookie, USER_EVENTS);
    const rowsOf = (e: any) => e.users.map((u: any) => u.email);
    const isInviteOf = (email: string) => (e: any) => e.type === 'INVITED' && (rowsOf(e).includes(email) || e.users.length === 0);
    const inviteMarker = async (attempt: number) => {
      await bAdmin.gql(INVITE, { a: `first-${attempt}@side.test` });
      return isInviteOf(`first-${attempt}@side.test`);
    };
    expect(rowsOf(await untilHeard(pLive, inviteMarker))).toEqual([expect.stringMatching(/^first-\d+@side.test$/)]);
    await untilHeard(bLive, inviteMarker);

    // P moves the session to A: the subscription still belongs to B, where P is still an admin.
    expect((await p.gql(SWITCH, { id: a.id })).data!.switchAccount.viewer.currentAccount.id).toBe(a.id);
    await bAdmin.gql(INVITE, { a: 'second@side.test' });
    expect(rowsOf(await pLive.next(isInviteOf('second@side.test')))).toEqual(['second@side.test']);
    expect(rowsOf(await bLive.next(isInviteOf('second@side.test')))).toEqual(['second@side.test']);

    expect((await bAdmin.gql(SUSPEND, { ids: [pInB.id] })).data!.suspendUsers.results).toEqual([{ ok: true, code: null }]);
    expect(await within(pLive.closed, "P's socket closing")).toMatchObject({ code: 4403 });
    await bLive.next((e: any) => e.type === 'SUSPENDED');
    await bAdmin.gql(INVITE, { a: 'third@side.test' });
    // B's admin hearing of the third invitation proves it was published; P never did.
    expect(rowsOf(await bLive.next(isInviteOf('third@side.test')))).toEqual(['third@side.test']);
    expect(pLive.events.flatMap(rowsOf)).not.toContain('third@side.test');
    expect(pLive.events.map((e: any) => e.type)).not.toContain('SUSPENDED');
    expect(bLive.events.filter((e: any) => e.type === 'INVITED').every((e: any) => e.users.length === 1)).toBe(true);
    await bLive.dispose();
  });

  it("ends a demoted admin's syncRunUpdated and importJobUpdated subscriptions (4403)", async () => {
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Demotions' });
    await build.aUser(account.id, { email: 'owner@demote.test', role: Role.OWNER, password: 'owner-pass-1' });
    const admin = await build.aUser(account.id, { email: 'admin@demote.test', role: Role.ADMIN, password: 'admin-pass-1' });
    const integration = await build.aScimIntegration(
      account.id,
      {},
      { type: IntegrationType.MICROSOFT_ENTRA, scimTokenHash: null, scimTokenPrefix: null },
    );
    const owner = new TestClient(roster.url);
    const demoted = new TestClient(roster.url);
    await owner.signIn('owner@demote.test', 'owner-pass-1');
    await demoted.signIn('admin@demote.test', 'admin-pass-1');
    const preview = await owner.gql('mutation($input: PreviewImportInput!) { previewImport(input: $input) { job { id } } }', {
      input: { name: 'people.csv', rows: [{ email: 'someone@demote.test' }] },
    });
    const jobId = preview.data!.previewImport.job.id;

    const runs = subscribe(roster.url, demoted.cookie, 'subscription { syncRunUpdated { id state } }');
    const job = subscribe(roster.url, demoted.cookie, 'subscription($id: ID!) { importJobUpdated(id: $id) { id state } }', { id: jobId });
    await job.next((e: any) => e.id === jobId);
    let runId: string | null = null;
    await untilHeard(runs, async () => {
      if (runId) await owner.gql('mutation($input: SyncRunIdInput!) { cancelSync(input: $input) { run { id } } }', { input: { runId } });
      const started = await owner.gql('mutation($input: StartSyncInput!) { startSync(input: $input) { run { id } } }', {
        input: { integrationId: integration.id },
      });
      const id = (runId = started.data!.startSync.run.id);
      return (e: any) => e.id === id && e.state === 'QUEUED';
    });

    expect((await owner.gql(CHANGE_ROLE, { ids: [admin.id], role: 'MEMBER' })).data!.changeUserRole.results).toEqual([
      { ok: true, code: null },
    ]);
    expect(await within(runs.closed, 'the syncRunUpdated socket closing')).toMatchObject({ code: 4403 });
    expect(await within(job.closed, 'the importJobUpdated socket closing')).toMatchObject({ code: 4403 });
  });

  it("refuses a cross-site WebSocket upgrade that carries the admin's cookie (403); the same cookie from PUBLIC_URL's origin, and an API key from anywhere, work", async () => {
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(roster.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', { headers });
        socket.on('open', () => (socket.close(), resolve(101)));
        socket.on('unexpected-response', (_request, response) => (socket.terminate(), resolve(response.statusCode!)));
        socket.on('error', () => {});
      });
    expect(await upgrade({ cookie: alpha.cookie!, origin: 'https://evil.example' })).toBe(403);
    expect(await upgrade({ cookie: alpha.cookie!, origin: new URL(roster.url).origin + '.evil.example' })).toBe(403);
    expect(await upgrade({ cookie: alpha.cookie!, origin: 'null' })).toBe(403);

    let n = 0;
    const inviteMarker = async () => {
      const email = `origin-${++n}@alpha.test`;
      await alphaColleague.gql(INVITE, { a: email });
      return (e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === email);
    };
    const sameOrigin = subscribe(roster.url, alpha.cookie, USER_EVENTS, {}, { origin: new URL(roster.url).origin });
    await untilHeard(sameOrigin, inviteMarker);
    const key = await createKey(alpha, ['users:read']);
    const withKey = subscribe(roster.url, null, USER_EVENTS, {}, { origin: 'https://evil.example', authorization: `Bearer ${key.secret}` });
    await untilHeard(withKey, inviteMarker);
    const noOriginNoCookie = subscribe(roster.url, null, USER_EVENTS, {}, { authorization: `Bearer ${key.secret}` });
    await untilHeard(noOriginNoCookie, inviteMarker);
    await Promise.all([sameOrigin.dispose(), withKey.dispose(), noOriginNoCookie.dispose()]);
  });

  // Last: it adds over a thousand users to the account.
  it(`a deleted company's users reach dashboards as rows; past ${LIVE_EVENT_USER_LIMIT} users, as "refetch your lists" instead`, async () => {
    const build = builders(roster.dataSource);
    const watching = subscribe(roster.url, alpha.cookie, USER_EVENTS);
    await untilHeard(watching, async (attempt) => {
      await alphaColleague.gql(INVITE, { a: `company-marker-${attempt}@alpha.test` });
      return (e: any) => e.type === 'INVITED' && e.users.some((u: any) => u.email === `company-marker-${attempt}@alpha.test`);
    });
    const DELETE = 'mutation($id: ID!) { deleteCompany(input: { id: $id }) { deletedId } }';

    const small = await build.aCompany(alphaId, 'Small Co');
    const few = await build.manyInvitedUsers(alphaId, 2, { companyId: small.id });
    await alphaColleague.gql(DELETE, { id: small.id });
    const listed = await watching.next((e: any) => e.type === 'CHANGED' && e.users.some((u: any) => u.id === few[0]!.id));
    expect(listed.resync).toBe(false);
    expect(listed.users.map((u: any) => u.id).sort()).toEqual(few.map((u) => u.id).sort());

    const large = await build.aCompany(alphaId, 'Large Co');
    await build.manyInvitedUsers(alphaId, LIVE_EVENT_USER_LIMIT + 1, { companyId: large.id });
    await alphaColleague.gql(DELETE, { id: large.id });
    const refetch = await watching.next((e: any) => e.type === 'CHANGED' && e.resync);
    expect(refetch.users).toEqual([]);
    await watching.dispose();
  });
});
