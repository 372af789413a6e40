import type { EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { claimSeats, seatRefusal, UserStatus } from '../accounts/index.js';
import { ErrorCode, InvitationErrorCode } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { newSecretToken } from '../auth/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { inTransaction } from '../core/db/transaction.js';
import { enqueueEmails } from '../mail/index.js';
import { announce, emailsFor, newInvitation } from './create-invitations.js';
import { InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import { REINVITE_COOLDOWN_MS, type InvitationContext, type NewInvitation, type UserActionOutcome } from './invitation-model.js';
import { cancelQueuedEmails, checkSelection, membershipsOf, refusalAboveViewer, refusalUnlessPending } from './pending-selection.js';

/** A new link for each pending user (the old one dies, the lifetime restarts); per-user results. */
export async function reinvite(
  ctx: InvitationContext,
  viewer: Viewer,
  userIds: string[],
  sendEmail: boolean,
): Promise<UserActionOutcome[]> {
  checkSelection(userIds);
  const results: UserActionOutcome[] = [];
  const now = new Date();
  const memberships = await membershipsOf(ctx, viewer.accountId, userIds);
  const reissued: NewInvitation[] = [];
  for (const userId of new Set(userIds)) {
    const membership = memberships.get(userId);
    const refusal = refusalUnlessPending(userId, membership) ?? refusalAboveViewer(viewer, membership!, null, 're-invite');
    if (refusal || !membership) {
      results.push(refusal!);
      continue;
    }
    const result = await inTransaction(ctx.dataSource, async (manager) => {
      // A staged user takes a seat with their first invitation; a pending one already has theirs.
      if (membership.status === UserStatus.STAGED) {
        const claim = await claimSeats(manager, viewer.accountId, 1);
        if (claim.granted === 0) return { pastSeatLimit: seatRefusal(claim) };
      }
      const current = await manager
        .getRepository(InvitationEntity)
        .findOne({ where: { membershipId: membership.id, state: InvitationState.PENDING }, order: { createdAt: 'DESC' } });
      // The invitation's role is what acceptance gives: re-sending it (and handing out its link) grants it again.
      const aboveViewer = refusalAboveViewer(viewer, membership, current?.role ?? null, 're-invite');
      if (aboveViewer) return { refused: aboveViewer };
      if (current && now.getTime() - current.createdAt.getTime() < REINVITE_COOLDOWN_MS) {
        const wait = Math.ceil((REINVITE_COOLDOWN_MS - (now.getTime() - current.createdAt.getTime())) / 1000);
        return { throttled: wait };
      }
      const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
      const entry = await reissueWithin(ctx, manager, account, membership, current, { invitedBy: viewer.personId, sendEmail, now });
      // Replaced meanwhile (a reminder, or another admin's re-invite): theirs stands.
      if (!entry) return { throttled: Math.ceil(REINVITE_COOLDOWN_MS / 1000) };
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'user.reinvited', targetId: membership.id, targetEmail: membership.email },
      ]);
      return { entry };
    });
    if ('refused' in result) {
      results.push(result.refused!);
    } else if ('pastSeatLimit' in result) {
      const message = `${membership.email} was not invited: ${result.pastSeatLimit}`;
      results.push({ userId, email: membership.email, ok: false, code: ErrorCode.SEAT_LIMIT_REACHED, message, inviteLink: null });
    } else if ('throttled' in result) {
      results.push({
        userId,
        email: membership.email,
        ok: false,
        code: InvitationErrorCode.REINVITE_THROTTLED,
        message: `${membership.email} was invited less than a minute ago; try again in ${result.throttled} seconds.`,
        inviteLink: null,
      });
    } else {
      reissued.push(result.entry!);
      results.push({
        userId,
        email: membership.email,
        ok: true,
        code: null,
        message: `A new invitation was ${sendEmail ? 'sent' : 'created'} for ${membership.email}; the previous link no longer works.`,
        inviteLink: ctx.acceptUrl(result.entry!.token),
      });
    }
  }
  announce(ctx, viewer.accountId, 'user.reinvited', reissued, sendEmail);
  return results;
}

/**
 * The one way a pending user's link is replaced, inside the caller's transaction: the current link (if any) is revoked
 * as REISSUED (conditionally, so of two instances or two admins only one replaces it; null when it was no longer
 * pending), a new one is written with the same role, company and groups, a staged user becomes pending, and the email
 * is queued. A manual re-invite restarts the lifetime; a reminder (`reminder: true`) keeps the current expiry and marks
 * the new link, so a chain of links is reminded once. Auditing and announcing stay the caller's.
 */
export async function reissueWithin(
  ctx: InvitationContext,
  manager: EntityManager,
  account: AccountEntity,
  membership: MembershipEntity,
  current: InvitationEntity | null,
  options: { invitedBy: string | null; sendEmail: boolean; now: Date; reminder?: boolean },
): Promise<NewInvitation | null> {
  const { now } = options;
  if (current) {
    // Outbox rows before invitation rows: the same lock order as the outbox worker, so neither deadlocks.
    await cancelQueuedEmails(manager, [current.id]);
    const revoked = await manager.update(
      InvitationEntity,
      { id: current.id, state: InvitationState.PENDING },
      { state: InvitationState.REVOKED, revokeReason: RevokeReason.REISSUED, revokedAt: now },
    );
    if (!revoked.affected) return null;
  }
  const token = newSecretToken();
  const invitationOptions = {
    role: current?.role ?? membership.role,
    companyId: current?.companyId ?? null,
    groupIds: current?.groupIds ? (JSON.parse(current.groupIds) as string[]) : null,
    sendEmail: options.sendEmail,
  };
  const kept = options.reminder && current ? { expiresAt: current.expiresAt, reminderSentAt: now } : {};
  const invitation = newInvitation(account, membership, token, options.invitedBy, invitationOptions, now, kept);
  await manager.insert(InvitationEntity, invitation);
  // A staged user (from an integration that stages) becomes pending with their first invitation.
  if (membership.status === UserStatus.STAGED)
    await manager.update(
      MembershipEntity,
      { id: membership.id, status: UserStatus.STAGED },
      { status: UserStatus.INVITED, updatedAt: now },
    );
  const entry: NewInvitation = { membership, invitation, token, name: membership.name };
  if (options.sendEmail)
    await enqueueEmails(manager, await emailsFor(ctx, manager, account, options.invitedBy, [entry], { reminder: options.reminder }));
  return entry;
}
