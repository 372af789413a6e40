import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserSource, UserStatus } from '../accounts/roles.js';
import { InvitationErrorCode } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { OutboxEmailEntity, OutboxState } from '../mail/outbox-email.entity.js';
import type { AccountEvent } from '../core/events.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { accept } from './accept.js';
import { createWithin } from './create-invitations.js';
import { emailsHiddenFrom } from './email-visibility.js';
import { InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import { InvitationLinkState, InviteVerdict, type InvitationContext } from './invitation-model.js';
import { invite } from './invite.js';
import { preview } from './link-state.js';
import { reinvite } from './reinvite.js';
import { uninvite } from './uninvite.js';

/** The verb modules called directly, without GraphQL: each with a context whose events and wake-ups are recorded. */
describe.each(dialects)('invitation verbs (%s)', (dialect) => {
  let roster: TestRoster;
  let ctx: InvitationContext;
  let published: AccountEvent[];
  let wakeUps: number;
  let admin: Viewer;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runImportRunner: false, runOutboxWorker: false, runWebhookWorker: false, runSyncEngine: false },
    );
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Verbs MSP' });
    accountId = account.id;
    const adminUser = await build.aUser(account.id, { email: 'admin@verbs.test', role: Role.ADMIN });
    admin = { sessionId: null, personId: adminUser.personId!, accountId, membershipId: adminUser.id, role: Role.ADMIN };
    ctx = {
      dataSource: roster.dataSource,
      events: { publish: (event) => void published.push(event), subscribe: () => () => {} },
      acceptUrl: (token) => `https://roster.test/invitations/${token}`,
      onEmailsQueued: () => void wakeUps++,
    };
  });
  beforeEach(() => {
    published = [];
    wakeUps = 0;
  });
  afterAll(() => roster?.close());

  const entry = (email: string) => ({ input: email, email, name: null, invalidReason: null });
  const invitationsOf = (membershipId: string) =>
    roster.dataSource.getRepository(InvitationEntity).find({ where: { membershipId }, order: { createdAt: 'ASC' } });
  const tokenOf = (link: string | null) => link!.split('/').pop()!;

  it('invite: gives each entry its verdict, creates only the new ones, and announces them once with a wake-up for their emails', async () => {
    await builders(roster.dataSource).aUser(accountId, { email: 'member@verbs.test' });
    const outcomes = await invite(
      ctx,
      admin,
      { type: 'PERSON', id: admin.personId },
      [
        entry('new1@verbs.test'),
        entry('new1@verbs.test'),
        entry('member@verbs.test'),
        { input: 'nope', email: null, name: null, invalidReason: 'Not an email.' },
      ],
      {
        role: Role.MEMBER,
        sendEmail: true,
      },
    );
    expect(outcomes.map((o) => o.verdict)).toEqual([
      InviteVerdict.INVITED,
      InviteVerdict.DUPLICATE,
      InviteVerdict.ALREADY_MEMBER,
      InviteVerdict.INVALID,
    ]);
    expect(outcomes[0]!.inviteLink).toMatch(/^https:\/\/roster\.test\/invitations\//);
    expect(published).toMatchObject([{ type: 'user.invited', accountId, userIds: [outcomes[0]!.userId] }]);
    expect(wakeUps).toBe(1);
    const emails = await roster.dataSource.getRepository(OutboxEmailEntity).findBy({ toAddress: 'new1@verbs.test' });
    expect(emails).toHaveLength(1);
  });

  it('invite: refuses to invite owners for an administrator before writing anything', async () => {
    await expect(
      invite(ctx, admin, { type: 'PERSON', id: admin.personId }, [entry('owner@verbs.test')], { role: Role.OWNER, sendEmail: false }),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneBy({ email: 'owner@verbs.test' })).toBeNull();
  });

  it('createWithin: writes inside the caller’s transaction, so a rollback leaves no user behind', async () => {
    const account = await roster.dataSource
      .getRepository((await import('../accounts/account.entity.js')).AccountEntity)
      .findOneByOrFail({ id: accountId });
    await expect(
      roster.dataSource.transaction(async (manager) => {
        await createWithin(
          ctx,
          manager,
          account,
          admin.personId,
          { type: 'PERSON', id: admin.personId },
          [{ email: 'rolled@verbs.test', name: null, role: Role.MEMBER, companyId: null, groupIds: null }],
          { sendEmail: false, source: UserSource.CSV },
        );
        throw new Error('the caller fails after');
      }),
    ).rejects.toThrow('the caller fails after');
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneBy({ email: 'rolled@verbs.test' })).toBeNull();
    expect(published).toEqual([]);
  });

  it('reinvite: replaces the link (the old one shows REPLACED), and refuses a second one within the cooldown', async () => {
    const [first] = await invite(ctx, admin, { type: 'PERSON', id: admin.personId }, [entry('again@verbs.test')], {
      role: Role.MEMBER,
      sendEmail: false,
    });
    // Old enough to be re-invited: the cooldown counts from the invitation's creation.
    await roster.dataSource
      .getRepository(InvitationEntity)
      .update({ membershipId: first!.userId! }, { createdAt: new Date(Date.now() - 120_000) });
    const [again] = await reinvite(ctx, admin, [first!.userId!], false);
    expect(again).toMatchObject({ ok: true, userId: first!.userId });
    expect((await preview(ctx, tokenOf(first!.inviteLink))).state).toBe(InvitationLinkState.REPLACED);
    expect((await preview(ctx, tokenOf(again!.inviteLink))).state).toBe(InvitationLinkState.VALID);
    const rows = await invitationsOf(first!.userId!);
    expect(rows.map((r) => [r.state, r.revokeReason])).toEqual([
      [InvitationState.REVOKED, RevokeReason.REISSUED],
      [InvitationState.PENDING, null],
    ]);
    const [throttled] = await reinvite(ctx, admin, [first!.userId!], false);
    expect(throttled).toMatchObject({ ok: false, code: InvitationErrorCode.REINVITE_THROTTLED });
  });

  it('uninvite: removes the pending user, revokes the link and cancels the email nobody picked up yet', async () => {
    const [invited] = await invite(ctx, admin, { type: 'PERSON', id: admin.personId }, [entry('gone@verbs.test')], {
      role: Role.MEMBER,
      sendEmail: true,
    });
    published = [];
    const [result] = await uninvite(ctx, admin, [invited!.userId!]);
    expect(result).toMatchObject({ ok: true });
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneBy({ id: invited!.userId! })).toBeNull();
    expect((await preview(ctx, tokenOf(invited!.inviteLink))).state).toBe(InvitationLinkState.REVOKED);
    const [email] = await roster.dataSource.getRepository(OutboxEmailEntity).findBy({ toAddress: 'gone@verbs.test' });
    expect(email).toMatchObject({ state: OutboxState.FAILED, html: null });
    expect(published).toMatchObject([{ type: 'user.uninvited', userIds: [invited!.userId] }]);
    expect(await uninvite(ctx, admin, [invited!.userId!])).toMatchObject([{ ok: false, code: 'NOT_FOUND' }]);
  });

  it('accept: makes the invitee an active member with a new sign-in, once', async () => {
    const [invited] = await invite(ctx, admin, { type: 'PERSON', id: admin.personId }, [entry('joins@verbs.test')], {
      role: Role.MEMBER,
      sendEmail: false,
    });
    const token = tokenOf(invited!.inviteLink);
    expect(await preview(ctx, token)).toMatchObject({
      state: InvitationLinkState.VALID,
      accountName: 'Verbs MSP',
      email: 'joins@verbs.test',
      hasAccount: false,
    });
    published = [];
    const { membership } = await accept(ctx, token, { name: 'Joan', password: 'a-long-password' }, null);
    expect(membership).toMatchObject({ id: invited!.userId, status: UserStatus.ACTIVE, role: Role.MEMBER });
    expect(published).toMatchObject([{ type: 'user.accepted', userIds: [invited!.userId] }]);
    await expect(accept(ctx, token, { name: 'Joan', password: 'a-long-password' }, null)).rejects.toMatchObject({
      extensions: { code: InvitationErrorCode.INVITATION_ALREADY_USED },
    });
  });

  it('email visibility: an administrator does not see the accept link of an invitation to an owner, an owner does', async () => {
    const ownerViewer = { ...admin, role: Role.OWNER };
    const [toOwner] = await invite(ctx, ownerViewer, { type: 'PERSON', id: admin.personId }, [entry('future-owner@verbs.test')], {
      role: Role.OWNER,
      sendEmail: true,
    });
    const [toMember] = await invite(ctx, admin, { type: 'PERSON', id: admin.personId }, [entry('future-member@verbs.test')], {
      role: Role.MEMBER,
      sendEmail: true,
    });
    const emails = await roster.dataSource
      .getRepository(OutboxEmailEntity)
      .find({ where: [{ toAddress: 'future-owner@verbs.test' }, { toAddress: 'future-member@verbs.test' }] });
    const idOf = (to: string) => emails.find((e) => e.toAddress === to)!.id;
    expect(toOwner!.userId && toMember!.userId).toBeTruthy();
    expect(
      await emailsHiddenFrom(
        ctx,
        admin,
        emails.map((e) => e.id),
      ),
    ).toEqual(new Set([idOf('future-owner@verbs.test')]));
    expect(
      await emailsHiddenFrom(
        ctx,
        ownerViewer,
        emails.map((e) => e.id),
      ),
    ).toEqual(new Set());
  });

  it('preview: a malformed or unknown link is NOT_FOUND, without touching anything', async () => {
    expect((await preview(ctx, 'not-a-token')).state).toBe(InvitationLinkState.NOT_FOUND);
    expect((await preview(ctx, 'A'.repeat(43))).state).toBe(InvitationLinkState.NOT_FOUND);
  });
});
