import { In, type EntityManager } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { refusalMessage, refusalToActOn, roleName } from '../accounts/index.js';
import { UserStatus, type Role } from '../accounts/index.js';
import { badInput, InvitationErrorCode } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { OutboxEmailEntity, OutboxState } from '../mail/outbox-email.entity.js';
import type { InvitationContext, UserActionOutcome } from './invitation-model.js';

/*
 * What re-invite and un-invite share: the selection of pending users they act on, why one of them is
 * refused, and cancelling the emails of an invitation that is being revoked.
 */

const MAX_USERS_PER_ACTION = 500;

export function checkSelection(userIds: string[]): void {
  if (userIds.length === 0) throw badInput('input.userIds', 'Select at least one user.');
  if (userIds.length > MAX_USERS_PER_ACTION) throw badInput('input.userIds', `Select at most ${MAX_USERS_PER_ACTION} users at a time.`);
}

export async function membershipsOf(ctx: InvitationContext, accountId: string, userIds: string[]): Promise<Map<string, MembershipEntity>> {
  const rows = await ctx.dataSource.getRepository(MembershipEntity).find({ where: { accountId, id: In([...new Set(userIds)]) } });
  return new Map(rows.map((row) => [row.id, row]));
}

/** Emails of a revoked invitation that no worker has picked up yet are not sent at all. */
export async function cancelQueuedEmails(manager: EntityManager, invitationIds: string[]): Promise<void> {
  await manager
    .createQueryBuilder()
    .update(OutboxEmailEntity)
    .set({
      state: OutboxState.FAILED,
      lastError: 'Cancelled: the invitation was revoked before it was sent.',
      html: null,
      textBody: null,
      actionUrl: null,
    })
    .where({ invitationId: In(invitationIds), state: OutboxState.PENDING })
    .andWhere('batch_key IS NULL')
    .execute();
}

/**
 * Refuses acting on a user whose role, or whose pending invitation's role, is above what the viewer may grant:
 * `doing` is "re-invite" or "withdraw the invitation of".
 */
export function refusalAboveViewer(
  viewer: Pick<Viewer, 'role'>,
  membership: MembershipEntity,
  invitationRole: Role | null,
  doing: string,
): UserActionOutcome | null {
  const refusal = refusalToActOn(viewer.role, membership.role, invitationRole);
  if (!refusal) return null;
  const role = invitationRole && refusalToActOn(viewer.role, invitationRole) ? invitationRole : membership.role;
  return {
    userId: membership.id,
    email: membership.email,
    ok: false,
    code: refusal.code,
    message: refusalMessage(refusal, `${doing} ${membership.email}, who is invited as ${roleName(role)}`),
    inviteLink: null,
  };
}

/** Why a selected user cannot be re-invited or un-invited, or null when they can. */
export function refusalUnlessPending(userId: string, membership: MembershipEntity | undefined): UserActionOutcome | null {
  if (!membership) return { userId, email: null, ok: false, code: 'NOT_FOUND', message: 'User was not found.', inviteLink: null };
  if (membership.status !== UserStatus.INVITED && membership.status !== UserStatus.STAGED) {
    return {
      userId,
      email: membership.email,
      ok: false,
      code: InvitationErrorCode.NOT_PENDING,
      message: notPendingMessage(membership),
      inviteLink: null,
    };
  }
  return null;
}

function notPendingMessage(membership: MembershipEntity): string {
  return membership.status === UserStatus.ACTIVE
    ? `${membership.email} has already accepted the invitation.`
    : `${membership.email} is suspended, not pending; restore them instead.`;
}
