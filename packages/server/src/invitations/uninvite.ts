import { In } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { higherRole } from '../accounts/index.js';
import { UserStatus, type Role } from '../accounts/index.js';
import { InvitationErrorCode } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { inTransaction } from '../core/db/transaction.js';
import { InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import type { InvitationContext, UserActionOutcome } from './invitation-model.js';
import { cancelQueuedEmails, checkSelection, membershipsOf, refusalAboveViewer, refusalUnlessPending } from './pending-selection.js';

/** Revokes each pending user's invitation and removes them from the pending list; per-user results. */
export async function uninvite(ctx: InvitationContext, viewer: Viewer, userIds: string[]): Promise<UserActionOutcome[]> {
  checkSelection(userIds);
  const memberships = await membershipsOf(ctx, viewer.accountId, userIds);
  const invitedAs = await pendingRoles(ctx, viewer.accountId, [...memberships.keys()]);
  const results: UserActionOutcome[] = [];
  const removed: string[] = [];
  for (const userId of new Set(userIds)) {
    const membership = memberships.get(userId);
    const refusal =
      refusalUnlessPending(userId, membership) ??
      refusalAboveViewer(viewer, membership!, invitedAs.get(userId) ?? null, 'withdraw the invitation of');
    if (refusal || !membership) {
      results.push(refusal!);
      continue;
    }
    const done = await inTransaction(ctx.dataSource, async (manager) => {
      const pending = await manager
        .getRepository(InvitationEntity)
        .find({ where: { membershipId: membership.id, state: InvitationState.PENDING }, select: { id: true } });
      const now = new Date();
      if (pending.length) {
        await cancelQueuedEmails(
          manager,
          pending.map((p) => p.id),
        );
        await manager.update(
          InvitationEntity,
          { id: In(pending.map((p) => p.id)), state: InvitationState.PENDING },
          { state: InvitationState.REVOKED, revokeReason: RevokeReason.UNINVITED, revokedAt: now, membershipId: null },
        );
      }
      const deleted = await manager.delete(MembershipEntity, { id: membership.id, status: In([UserStatus.INVITED, UserStatus.STAGED]) });
      if (!deleted.affected) return false;
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'user.uninvited', targetId: membership.id, targetEmail: membership.email },
      ]);
      return true;
    });
    if (done) {
      removed.push(userId);
      results.push({
        userId,
        email: membership.email,
        ok: true,
        code: null,
        message: `The invitation of ${membership.email} was revoked; the link no longer works.`,
        inviteLink: null,
      });
    } else {
      results.push({
        userId,
        email: membership.email,
        ok: false,
        code: InvitationErrorCode.NOT_PENDING,
        message: `${membership.email} accepted the invitation a moment ago.`,
        inviteLink: null,
      });
    }
  }
  if (removed.length) ctx.events.publish({ accountId: viewer.accountId, type: 'user.uninvited', userIds: removed, at: new Date() });
  return results;
}

/** The role each pending invitation of these users gives on acceptance, by user id. */
async function pendingRoles(ctx: InvitationContext, accountId: string, membershipIds: string[]): Promise<Map<string, Role>> {
  if (membershipIds.length === 0) return new Map();
  const rows = await ctx.dataSource.getRepository(InvitationEntity).find({
    where: { accountId, membershipId: In(membershipIds), state: InvitationState.PENDING },
    select: { membershipId: true, role: true },
  });
  const roles = new Map<string, Role>();
  // Several pending rows cannot normally exist; if they do, the highest role decides.
  for (const row of rows) roles.set(row.membershipId!, higherRole(roles.get(row.membershipId!) ?? row.role, row.role));
  return roles;
}
