import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { SessionEntity } from '../auth/session.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { subscribe } from '../../test/live-client.js';

const USER_EVENTS = 'subscription { userEvents { type removedUserIds resync users { id email status invitationPending isAdministrator } } }';
const INVITE = 'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { inviteLink user { id } } } }';
const ACCEPT = 'mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }';

describe.each(dialects)('live updates over graphql-ws (%s)', (dialect) => {
  let roster: TestRoster;
  let alpha: TestClient;
  let alphaColleague: TestClient;
  let bravo: TestClient;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, liveSessionCheckMs: 100 });
    const build = builders(roster.dataSource);
    const a = await build.anAccount({ name: 'Alpha' });
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
    await (watching as any).ready;
    await (outsider as any).ready;
    const invited = await alphaColleague.gql(INVITE, { a: 'Newbie <newbie@alpha.test>' });
    const { inviteLink, user } = invited.data!.inviteUsers.results[0];
    const first = await watching.next((e: any) => e.type === 'INVITED');
    expect(first.users).toEqual([expect.objectContaining({ id: user.id, email: 'newbie@alpha.test', status: 'INVITED', invitationPending: true })]);

    await new TestClient(roster.url).gql(ACCEPT, { input: { token: inviteLink.split('/invitations/')[1], name: 'New Bie', password: 'a-long-password' } });
    const started = Date.now();
    const accepted = await watching.next((e: any) => e.type === 'ACCEPTED');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(accepted.users[0]).toMatchObject({ id: user.id, status: 'ACTIVE', invitationPending: false });

    await bravo.gql(INVITE, { a: 'own@bravo.test' });
    const own = await outsider.next((e: any) => e.type === 'INVITED');
    expect(own.users[0].email).toBe('own@bravo.test');
    expect(outsider.events.flatMap((e: any) => e.users.map((u: any) => u.email))).toEqual(['own@bravo.test']);
    await watching.dispose();
    await outsider.dispose();
  });

  it('tells dashboards which users left (un-invite)', async () => {
    const watching = subscribe(roster.url, alpha.cookie, USER_EVENTS);
    await (watching as any).ready;
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
    await roster.dataSource.getRepository(SessionEntity).update({ tokenHash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await live.closed).toMatchObject({ code: 4401, reason: 'Session expired' });

    const other = new TestClient(roster.url);
    await other.signIn('one@alpha.test', 'alpha-pass-1');
    const second = subscribe(roster.url, other.cookie, USER_EVENTS);
    await (second as any).ready;
    await other.gql('mutation { signOut { signedOut } }');
    expect(await second.closed).toMatchObject({ code: 4401, reason: 'Signed out' });
  });
});
