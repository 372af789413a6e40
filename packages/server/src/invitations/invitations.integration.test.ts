import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';
import { OutboxEmailEntity, OutboxState } from '../mail/outbox-email.entity.js';
import { InvitationEntity, InvitationState } from './invitation.entity.js';

const INVITE = `mutation($input: InviteUsersInput!) {
  inviteUsers(input: $input) { invitedCount results { input email name verdict reason inviteLink user { id email status invitationPending } } }
}`;
const REINVITE = `mutation($input: ReinviteUsersInput!) { reinviteUsers(input: $input) { results { userId ok code message inviteLink } } }`;
const UNINVITE = `mutation($input: UninviteUsersInput!) { uninviteUsers(input: $input) { results { userId ok code message } } }`;
const ACCEPT = `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { person { email name } currentAccount { name } role accounts { name } } } }`;
const PREVIEW = `query($token: String!) { invitationByToken(token: $token) { state accountName inviterName email knownName expiresAt hasAccount } }`;
const USER = `query($id: ID!) { user(id: $id) { email status role lastActiveAt invitationPending emailBounced company { name } groups { name } invitation { expired deliveryStatus emailsSent lastSentAt invitedBy } } }`;
const USER_NAME = `query($id: ID!) { user(id: $id) { name } }`;
const WEBHOOK_SECRET = 'whsec_' + Buffer.from('a-test-webhook-secret-of-32-bytes!').toString('base64');

/** Signs as Resend does, with the Standard Webhooks library rather than Roster's code (the check is pinned to Svix's published example in svix-signature.test.ts). */
const svixSign = (id: string, timestamp: number, body: string) => new Webhook(WEBHOOK_SECRET).sign(id, new Date(timestamp * 1000), body);

const tokenOf = (link: string) => link.split('/invitations/')[1]!;

/** Waits for the background outbox worker: resolves with the first non-null value. */
async function eventually<T>(read: () => Promise<T | null>, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(dialects)('the invitation lifecycle (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let accountId: string;
  let ids: { company: string; group: string; otherCompany: string };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, { resendWebhookSecret: WEBHOOK_SECRET }, { outbox: { pollMs: 20 } });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Lifecycle MSP' });
    const other = await build.anAccount({ name: 'Other MSP' });
    accountId = account.id;
    const company = await build.aCompany(account.id, 'Contoso');
    const group = await build.aGroup(account.id, 'Helpdesk');
    const otherCompany = await build.aCompany(other.id, 'Not yours');
    ids = { company: company.id, group: group.id, otherCompany: otherCompany.id };
    await build.aUser(account.id, { email: 'admin@lifecycle.test', name: 'Ada Admin', role: Role.ADMIN, password: 'admin-password' });
    await build.aUser(account.id, { email: 'member@lifecycle.test', role: Role.MEMBER });
    await build.aUser(other.id, { email: 'elsewhere@other.test', role: Role.ADMIN, password: 'elsewhere-pass', name: 'Eli Elsewhere' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@lifecycle.test', 'admin-password');
  });
  afterAll(() => roster?.close());

  const invite = (addresses: string, extra: Record<string, unknown> = {}) => admin.gql(INVITE, { input: { addresses, ...extra } });

  it('gives every pasted address a verdict and invites the valid new ones, with their names', async () => {
    const result = await invite('Nia Brooks <nia@x.test>, bad-address; member@lifecycle.test\nnia@X.test   new.one@x.test');
    expect(result.errors).toBeUndefined();
    const rows = result.data!.inviteUsers.results;
    expect(rows.map((r: any) => [r.email, r.verdict])).toEqual([
      ['nia@x.test', 'INVITED'],
      [null, 'INVALID'],
      ['member@lifecycle.test', 'ALREADY_MEMBER'],
      ['nia@x.test', 'DUPLICATE'],
      ['new.one@x.test', 'INVITED'],
    ]);
    expect(rows[0].name).toBe('Nia Brooks');
    expect(rows[1].reason).toMatch(/no "@"/);
    expect(rows[0].user).toMatchObject({ status: 'INVITED', invitationPending: true });
    expect(result.data!.inviteUsers.invitedCount).toBe(2);
    const again = await invite('NIA@x.test');
    expect(again.data!.inviteUsers.results[0]).toMatchObject({ verdict: 'ALREADY_INVITED', user: { email: 'nia@x.test' } });
  });

  it('sends one email per invitation to the dev mailbox, with the MSP, the inviter, the link and the expiry', async () => {
    const result = await invite('Mai Box <mailbox@x.test>');
    const link = result.data!.inviteUsers.results[0].inviteLink;
    await eventually(() =>
      roster.dataSource.getRepository(OutboxEmailEntity).findOneBy({ toAddress: 'mailbox@x.test', state: OutboxState.SENT }),
    );
    const mailbox = await admin.gql('{ devMailbox(page: { first: 100 }) { edges { node { to subject text link } } } }');
    const emails = mailbox.data!.devMailbox.edges.map((e: any) => e.node).filter((e: any) => e.to === 'mailbox@x.test');
    expect(emails).toHaveLength(1);
    expect(emails[0].subject).toBe('Ada Admin invited you to join Lifecycle MSP on Roster');
    expect(emails[0].link).toBe(link);
    expect(emails[0].text).toContain(link);
    expect(emails[0].text).toMatch(/works until \w+day/);
    // Greeted by the name given with the address; told whom to ask.
    expect(emails[0].text.split('\n')[0]).toBe('Hello Mai Box,');
    expect(emails[0].text).toContain('Questions about this invitation? Contact Ada Admin at admin@lifecycle.test.');
    const user = await admin.gql(USER, { id: result.data!.inviteUsers.results[0].user.id });
    expect(user.data!.user.invitation).toMatchObject({ deliveryStatus: 'SENT', emailsSent: 1, invitedBy: 'Ada Admin', expired: false });
  });

  it('reads a pasted list as inviteUsers will, without inviting anyone, for administrators only', async () => {
    const READ = `query($a: String!) { readInviteAddresses(addresses: $a) { input email name invalidReason } }`;
    const before = await roster.dataSource.getRepository(MembershipEntity).count();
    const read = await admin.gql(READ, { a: 'Ada <Ada@Read.test>, kim six@acme-it.test' });
    expect(read.data!.readInviteAddresses).toEqual([
      { input: 'Ada <Ada@Read.test>', email: 'ada@read.test', name: 'Ada', invalidReason: null },
      {
        input: 'kim six@acme-it.test',
        email: null,
        name: null,
        invalidReason: expect.stringContaining('did you mean kim.six@acme-it.test?'),
      },
    ]);
    expect(await roster.dataSource.getRepository(MembershipEntity).count()).toBe(before);
    const member = new TestClient(roster.url);
    await builders(roster.dataSource).aUser(accountId, { email: 'reader@lifecycle.test', role: Role.MEMBER, password: 'member-password' });
    await member.signIn('reader@lifecycle.test', 'member-password');
    expect(errorCode(await member.gql(READ, { a: 'x@y.test' }))).toBe('FORBIDDEN');
  });

  it('can invite without an email, for sharing the link another way', async () => {
    const before = await roster.dataSource.getRepository(OutboxEmailEntity).count();
    const result = await invite('linkonly@x.test', { sendEmail: false });
    expect(result.data!.inviteUsers.results[0].inviteLink).toMatch(/\/invitations\/[A-Za-z0-9_-]{43}$/);
    expect(result.data!.inviteUsers.results[0].inviteLink.startsWith(`${roster.url}/invitations/`)).toBe(true);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).count()).toBe(before);
  });

  it("refuses another account's company or group and creates nothing", async () => {
    const before = await roster.dataSource.getRepository(MembershipEntity).count();
    const result = await invite('sneaky@x.test', { companyId: ids.otherCompany });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.companyId' });
    expect(await roster.dataSource.getRepository(MembershipEntity).count()).toBe(before);
  });

  it('refuses more than 1,000 addresses at once with a clear limit, and an unknown role as invalid input', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `u${i}@bulk.test`).join(', ');
    const result = await invite(many);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_ADDRESSES', limit: 1000 });
    expect(result.errors?.[0]?.message).toMatch(/10,000 addresses; invite at most 1,000/);
    const role = await admin.gql(INVITE, { input: { addresses: 'r@x.test', role: 'EMPEROR' } });
    expect(errorCode(role)).toBe('BAD_USER_INPUT');
  });

  it('uses the lifetime configured for the account, and validates it', async () => {
    const bad = await admin.gql('mutation { updateAccountSettings(input: { invitationLifetimeDays: 0 }) { account { id } } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.invitationLifetimeDays' });
    const set = await admin.gql(
      'mutation { updateAccountSettings(input: { invitationLifetimeDays: 2 }) { account { invitationLifetimeDays } } }',
    );
    expect(set.data!.updateAccountSettings.account.invitationLifetimeDays).toBe(2);
    const result = await invite('shortlived@x.test');
    const preview = await new TestClient(roster.url).gql(PREVIEW, { token: tokenOf(result.data!.inviteUsers.results[0].inviteLink) });
    const days = (new Date(preview.data!.invitationByToken.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.9);
    expect(days).toBeLessThan(2.1);
    await admin.gql('mutation { updateAccountSettings(input: { invitationLifetimeDays: 7 }) { account { id } } }');
  });

  it('invites 400 addresses in one go', async () => {
    const result = await invite(Array.from({ length: 400 }, (_, i) => `bulk${i}@many.test`).join('\n'));
    expect(result.data!.inviteUsers.invitedCount).toBe(400);
  });

  it('accepts: the invitee chooses name and password, lands signed in, with role, company and groups applied', async () => {
    const result = await invite('joiner@x.test', { role: 'ADMIN', companyId: ids.company, groupIds: [ids.group] });
    const { inviteLink, user } = result.data!.inviteUsers.results[0];
    const invitee = new TestClient(roster.url);
    const preview = await invitee.gql(PREVIEW, { token: tokenOf(inviteLink) });
    expect(preview.data!.invitationByToken).toMatchObject({
      state: 'VALID',
      accountName: 'Lifecycle MSP',
      inviterName: 'Ada Admin',
      email: 'joiner@x.test',
      hasAccount: false,
    });
    const preview2 = await invitee.gql(PREVIEW, { token: tokenOf(inviteLink) });
    expect(preview2.data!.invitationByToken.state).toBe('VALID');

    const tooShort = await invitee.gql(ACCEPT, { input: { token: tokenOf(inviteLink), name: 'Jo', password: 'short' } });
    expect(tooShort.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });

    const accepted = await invitee.gql(ACCEPT, { input: { token: tokenOf(inviteLink), name: 'Jo Joiner', password: 'a-long-password' } });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.acceptInvitation.viewer).toMatchObject({
      person: { email: 'joiner@x.test', name: 'Jo Joiner' },
      currentAccount: { name: 'Lifecycle MSP' },
      role: 'ADMIN',
    });
    expect(invitee.cookie).toMatch(/^roster_session=/);
    const seen = await admin.gql(USER, { id: user.id });
    expect(Date.parse(seen.data!.user.lastActiveAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(seen.data!.user).toMatchObject({
      status: 'ACTIVE',
      role: 'ADMIN',
      invitationPending: false,
      invitation: null,
      company: { name: 'Contoso' },
      groups: [{ name: 'Helpdesk' }],
    });

    const reused = await new TestClient(roster.url).gql(ACCEPT, {
      input: { token: tokenOf(inviteLink), name: 'X', password: 'another-long-password' },
    });
    expect(errorCode(reused)).toBe('INVITATION_ALREADY_USED');
    const audit = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, targetId: user.id });
    expect(audit.map((a) => a.action).sort()).toEqual(['user.accepted', 'user.invited']);
  });

  it('re-invite: throttled within a minute, then a new link that works while the old one is dead', async () => {
    const result = await invite('again@x.test');
    const { inviteLink: first, user } = result.data!.inviteUsers.results[0];
    const throttled = await admin.gql(REINVITE, { input: { userIds: [user.id] } });
    expect(throttled.data!.reinviteUsers.results[0]).toMatchObject({ ok: false, code: 'REINVITE_THROTTLED' });
    await roster.dataSource
      .getRepository(InvitationEntity)
      .update({ membershipId: user.id }, { createdAt: new Date(Date.now() - 120_000) });

    const reinvited = await admin.gql(REINVITE, { input: { userIds: [user.id] } });
    expect(reinvited.errors).toBeUndefined();
    const second = reinvited.data!.reinviteUsers.results[0];
    expect(second).toMatchObject({ ok: true, code: null });
    expect(second.inviteLink).not.toBe(first);
    const old = await new TestClient(roster.url).gql(ACCEPT, { input: { token: tokenOf(first), name: 'A', password: 'a-long-password' } });
    expect(errorCode(old)).toBe('INVITATION_REPLACED');
    expect((await new TestClient(roster.url).gql(PREVIEW, { token: tokenOf(first) })).data!.invitationByToken.state).toBe('REPLACED');
    const ok = await new TestClient(roster.url).gql(ACCEPT, {
      input: { token: tokenOf(second.inviteLink), name: 'A', password: 'a-long-password' },
    });
    expect(ok.errors).toBeUndefined();
  });

  it('an expired link says so, and a re-invite restarts the lifetime', async () => {
    const result = await invite('late@x.test');
    const { inviteLink, user } = result.data!.inviteUsers.results[0];
    await roster.dataSource
      .getRepository(InvitationEntity)
      .update({ membershipId: user.id }, { expiresAt: new Date(Date.now() - 1000), createdAt: new Date(Date.now() - 8 * 86_400_000) });
    const expired = await new TestClient(roster.url).gql(ACCEPT, {
      input: { token: tokenOf(inviteLink), name: 'L', password: 'a-long-password' },
    });
    expect(errorCode(expired)).toBe('INVITATION_EXPIRED');
    const announced: string[] = [];
    const unsubscribe = roster.services.events.subscribe(
      (event) => event.type === 'user.invitation_expired' && announced.push(...event.userIds),
    );
    expect(await roster.services.expirySweeper.sweep()).toBeGreaterThanOrEqual(1);
    expect(await roster.services.expirySweeper.sweep()).toBe(0);
    unsubscribe();
    expect(announced).toContain(user.id);
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ targetId: user.id, action: 'user.invitation_expired' })).toBe(
      1,
    );
    expect((await admin.gql(USER, { id: user.id })).data!.user.invitation.expired).toBe(true);
    const reinvited = await admin.gql(REINVITE, { input: { userIds: [user.id] } });
    const fresh = await new TestClient(roster.url).gql(PREVIEW, { token: tokenOf(reinvited.data!.reinviteUsers.results[0].inviteLink) });
    expect(fresh.data!.invitationByToken.state).toBe('VALID');
    expect(new Date(fresh.data!.invitationByToken.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });

  it('un-invite: the link dies with its own message and the user leaves the list; accepted users cannot be un-invited', async () => {
    const result = await invite('gone@x.test');
    const { inviteLink, user } = result.data!.inviteUsers.results[0];
    const out = await admin.gql(UNINVITE, { input: { userIds: [user.id, 'not-a-real-id'] } });
    expect(out.data!.uninviteUsers.results).toEqual([
      expect.objectContaining({ userId: user.id, ok: true }),
      expect.objectContaining({ userId: 'not-a-real-id', ok: false, code: 'NOT_FOUND' }),
    ]);
    expect(errorCode(await admin.gql(USER, { id: user.id }))).toBe('NOT_FOUND');
    const dead = await new TestClient(roster.url).gql(ACCEPT, {
      input: { token: tokenOf(inviteLink), name: 'G', password: 'a-long-password' },
    });
    expect(errorCode(dead)).toBe('INVITATION_REVOKED');
    const active = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ email: 'member@lifecycle.test' });
    const refused = await admin.gql(UNINVITE, { input: { userIds: [active.id] } });
    expect(refused.data!.uninviteUsers.results[0]).toMatchObject({ ok: false, code: 'NOT_PENDING' });
  });

  it('finds the pending users whose link expired, and those never emailed, with the Users filters', async () => {
    const emailed = (await invite('emailed-filter@x.test')).data!.inviteUsers.results[0].user;
    const handLink = (await invite('handlink-filter@x.test', { sendEmail: false })).data!.inviteUsers.results[0].user;
    const stale = (await invite('stale-filter@x.test')).data!.inviteUsers.results[0].user;
    await roster.dataSource
      .getRepository(InvitationEntity)
      .update({ membershipId: stale.id, state: InvitationState.PENDING }, { expiresAt: new Date(Date.now() - 60_000) });
    const emails = async (filter: Record<string, unknown>) =>
      (
        await admin.gql(`query($filter: UserFilter) { users(filter: $filter, page: { first: 100 }) { edges { node { email } } } }`, {
          filter,
        })
      ).data!.users.edges.map((e: any) => e.node.email);
    const expired = await emails({ invitationExpired: true });
    expect(expired).toContain(stale.email);
    expect(expired).not.toContain(emailed.email);
    const notEmailed = await emails({ notEmailed: true });
    expect(notEmailed).toContain(handLink.email);
    expect(notEmailed).not.toContain(emailed.email);
    expect(notEmailed).not.toContain(stale.email);
  });

  it('refuses forged tokens and tokens with junk characters the same way', async () => {
    for (const token of ['A'.repeat(43), '<script>alert(1)</script>', '../../etc/passwd', '']) {
      const result = await new TestClient(roster.url).gql(ACCEPT, { input: { token, name: 'F', password: 'a-long-password' } });
      expect(errorCode(result)).toBe('INVITATION_NOT_FOUND');
      expect((await new TestClient(roster.url).gql(PREVIEW, { token })).data!.invitationByToken.state).toBe('NOT_FOUND');
    }
  });

  it('a person who already has a sign-in (in another MSP) proves it with their password, and then belongs to both', async () => {
    const result = await invite('elsewhere@other.test');
    const token = tokenOf(result.data!.inviteUsers.results[0].inviteLink);
    const invitee = new TestClient(roster.url);
    expect((await invitee.gql(PREVIEW, { token })).data!.invitationByToken.hasAccount).toBe(true);
    expect(errorCode(await invitee.gql(ACCEPT, { input: { token } }))).toBe('SIGN_IN_REQUIRED');
    expect(errorCode(await invitee.gql(ACCEPT, { input: { token, password: 'wrong-password' } }))).toBe('INVALID_CREDENTIALS');
    const accepted = await invitee.gql(ACCEPT, { input: { token, password: 'elsewhere-pass' } });
    expect(accepted.data!.acceptInvitation.viewer.accounts.map((a: any) => a.name)).toEqual(['Lifecycle MSP', 'Other MSP']);
    // Invited without a name, they bring theirs: the Users page shows, sorts and finds them by it.
    const found = await admin.gql(
      `{ users(filter: { search: "eli else" }, orderBy: { field: NAME, direction: ASC }) { edges { node { email name } } } }`,
    );
    expect(found.data!.users.edges.map((e: any) => e.node)).toEqual([{ email: 'elsewhere@other.test', name: 'Eli Elsewhere' }]);
  });

  it("accepting with a new name names the person in this account only: another account's admins still see the name they knew", async () => {
    const build = builders(roster.dataSource);
    const otherAccount = await build.anAccount({ name: 'Kim’s old MSP' });
    const elsewhere = await build.aUser(otherAccount.id, { email: 'kim.six@acme-it.test', name: 'Kim Six' });
    // Known there, but never chose a password (brought in by an integration, say).
    await roster.dataSource.getRepository(PersonEntity).update({ id: elsewhere.personId! }, { passwordHash: null });
    const otherAdmin = new TestClient(roster.url);
    await build.aUser(otherAccount.id, { email: 'boss@old-msp.test', role: Role.ADMIN, password: 'boss-password' });
    await otherAdmin.signIn('boss@old-msp.test', 'boss-password');

    const result = await invite('kim.six@acme-it.test');
    const { inviteLink, user } = result.data!.inviteUsers.results[0];
    const invitee = new TestClient(roster.url);
    const preview = await invitee.gql(PREVIEW, { token: tokenOf(inviteLink) });
    expect(preview.data!.invitationByToken).toMatchObject({ hasAccount: false, knownName: 'Kim Six' });
    const accepted = await invitee.gql(ACCEPT, {
      input: { token: tokenOf(inviteLink), name: 'Kimberly Six', password: 'a-long-password' },
    });
    expect(accepted.errors).toBeUndefined();

    expect((await admin.gql(USER, { id: user.id })).data!.user).toMatchObject({ status: 'ACTIVE' });
    expect((await admin.gql(USER_NAME, { id: user.id })).data!.user.name).toBe('Kimberly Six');
    expect((await otherAdmin.gql(USER_NAME, { id: elsewhere.id })).data!.user.name).toBe('Kim Six');
  });

  it('signed in as someone else, accepting says so instead of mixing accounts', async () => {
    const result = await invite('intended@x.test');
    const token = tokenOf(result.data!.inviteUsers.results[0].inviteLink);
    const mismatch = await admin.gql(ACCEPT, { input: { token, name: 'I', password: 'a-long-password' } });
    expect(errorCode(mismatch)).toBe('INVITATION_EMAIL_MISMATCH');
    expect(mismatch.errors?.[0]?.message).toMatch(/for intended@x.test, but you are signed in as admin@lifecycle.test/);
  });

  describe('Resend delivery webhooks', () => {
    const post = async (body: string, headers: Record<string, string>) =>
      fetch(`${roster.url}/webhooks/resend`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const signed = (body: string, id = 'msg_' + Math.random().toString(36).slice(2)) => {
      const timestamp = Math.floor(Date.now() / 1000);
      return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': svixSign(id, timestamp, body) };
    };

    it('a signed bounce turns on the red "Email bounced" badge; a tampered one is rejected and changes nothing', async () => {
      const result = await invite('bouncy@x.test');
      const userId = result.data!.inviteUsers.results[0].user.id;
      const outbox = await eventually(() =>
        roster.dataSource.getRepository(OutboxEmailEntity).findOneBy({ toAddress: 'bouncy@x.test', state: OutboxState.SENT }),
      );
      const body = JSON.stringify({
        type: 'email.bounced',
        created_at: new Date().toISOString(),
        data: { email_id: outbox.providerMessageId, to: ['bouncy@x.test'], bounce: { message: 'Mailbox does not exist' } },
      });

      const headers = signed(body);
      const tampered = await post(body.replace('bounced', 'delivered'), headers);
      expect(tampered.status).toBe(401);
      const unsigned = await post(body, {});
      expect(unsigned.status).toBe(401);
      expect((await admin.gql(USER, { id: userId })).data!.user.emailBounced).toBe(false);

      const accepted = await post(body, signed(body));
      expect(accepted.status).toBe(200);
      const user = (await admin.gql(USER, { id: userId })).data!.user;
      expect(user.emailBounced).toBe(true);
      expect(user.invitation.deliveryStatus).toBe('BOUNCED');

      const delivered = JSON.stringify({ type: 'email.delivered', data: { email_id: outbox.providerMessageId } });
      await post(delivered, signed(delivered));
      expect((await admin.gql(USER, { id: userId })).data!.user.emailBounced).toBe(true);
    });

    it('refuses a correctly signed event that is too old to be fresh (replay)', async () => {
      const body = JSON.stringify({ type: 'email.delivered', data: { email_id: 'x' } });
      const old = Math.floor(Date.now() / 1000) - 3600;
      const response = await post(body, {
        'svix-id': 'msg_old',
        'svix-timestamp': String(old),
        'svix-signature': svixSign('msg_old', old, body),
      });
      expect(response.status).toBe(401);
    });
  });

  it('keeps invitations of one account invisible to another account', async () => {
    const other = new TestClient(roster.url);
    await other.signIn('elsewhere@other.test', 'elsewhere-pass');
    // Eli belongs to both accounts now (an earlier test): work in Other MSP.
    const accounts = await other.gql('{ me { accounts { id name } } }');
    const otherId = accounts.data!.me.accounts.find((a: any) => a.name === 'Other MSP').id;
    await other.gql('mutation($input: SwitchAccountInput!) { switchAccount(input: $input) { viewer { role } } }', {
      input: { accountId: otherId },
    });
    const me = await other.gql('{ me { currentAccount { name } } }');
    expect(me.data!.me.currentAccount.name).toBe('Other MSP');
    const pending = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ email: 'linkonly@x.test' });
    expect(errorCode(await other.gql(REINVITE, { input: { userIds: [pending.id] } }))).toBeUndefined();
    expect((await other.gql(REINVITE, { input: { userIds: [pending.id] } })).data!.reinviteUsers.results[0].code).toBe('NOT_FOUND');
    expect((await other.gql(UNINVITE, { input: { userIds: [pending.id] } })).data!.uninviteUsers.results[0].code).toBe('NOT_FOUND');
    expect(
      await roster.dataSource.getRepository(MembershipEntity).findOneBy({ id: pending.id, status: UserStatus.INVITED }),
    ).not.toBeNull();
  });
});
