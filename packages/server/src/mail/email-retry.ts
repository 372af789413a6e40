import { DataSource, In, IsNull, Not, type EntityManager } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { refusalMessage, refusalToActOn } from '../accounts/index.js';
import { UserStatus } from '../accounts/index.js';
import { badInput, InvitationErrorCode } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { inTransaction } from '../core/db/transaction.js';
import { DeliveryStatus, pendingInvitationOf, recordDeliveryStatus, type UserActionOutcome } from '../invitations/index.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';

/** Why a selected user's invitation email cannot be retried (besides NOT_FOUND, NOT_PENDING and the role rule). */
export const EmailRetryCode = {
  /** The invitation email did not fail (it is queued, sent or delivered): there is nothing to retry. */
  EMAIL_NOT_FAILED: 'EMAIL_NOT_FAILED',
  /** The provider accepted the email and reported a failure later: its content is gone, so re-invite instead. */
  EMAIL_NOT_RETRYABLE: 'EMAIL_NOT_RETRYABLE',
} as const;

const MAX_USERS = 500;

/**
 * Retry of a failed invitation email: the same email (the same link, which the invitee never received) is
 * queued again, with a new idempotency key and a new retry window, and the invitation shows "Queued" again.
 * Nothing else changes: the link an admin may already have copied keeps working, the expiry stays, and no
 * new link is handed out. Re-sending an invitation counts as granting its role again (the role rule), so an
 * administrator cannot retry an owner's invitation. An expired invitation is not retried: re-invite instead.
 */
export async function retryFailedInvitationEmails(
  dataSource: DataSource,
  viewer: Viewer,
  userIds: string[],
): Promise<{ results: UserActionOutcome[]; retriedUserIds: string[] }> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) throw badInput('input.userIds', 'Select at least one user.');
  if (unique.length > MAX_USERS) throw badInput('input.userIds', `Select at most ${MAX_USERS} users at a time.`);
  const memberships = new Map(
    (await dataSource.getRepository(MembershipEntity).find({ where: { accountId: viewer.accountId, id: In(unique) } })).map((m) => [
      m.id,
      m,
    ]),
  );
  const results: UserActionOutcome[] = [];
  const retriedUserIds: string[] = [];
  for (const userId of unique) {
    const membership = memberships.get(userId);
    const refused = (code: string, message: string): UserActionOutcome => ({
      userId,
      email: membership?.email ?? null,
      ok: false,
      code,
      message,
      inviteLink: null,
    });
    if (!membership) {
      results.push(refused('NOT_FOUND', 'User was not found.'));
      continue;
    }
    if (membership.status !== UserStatus.INVITED) {
      results.push(refused(InvitationErrorCode.NOT_PENDING, `${membership.email} has no pending invitation to email.`));
      continue;
    }
    const outcome = await inTransaction(dataSource, async (manager) => {
      const invitation = await pendingInvitationOf(manager, viewer.accountId, membership.id);
      if (!invitation) return refused(InvitationErrorCode.NOT_PENDING, `${membership.email} has no pending invitation to email.`);
      const refusal = refusalToActOn(viewer.role, membership.role, invitation.role);
      if (refusal) return refused(refusal.code, refusalMessage(refusal, `retry the invitation email of ${membership.email}`));
      if (invitation.expiresAt.getTime() <= Date.now()) {
        return refused(
          InvitationErrorCode.INVITATION_EXPIRED,
          `The invitation of ${membership.email} has expired; re-invite them to send a new link.`,
        );
      }
      if (invitation.deliveryStatus !== DeliveryStatus.FAILED) {
        return refused(
          EmailRetryCode.EMAIL_NOT_FAILED,
          `The invitation email to ${membership.email} did not fail; there is nothing to retry.`,
        );
      }
      const requeued = await requeueFailedEmails(manager, invitation.id);
      if (requeued === 0) {
        return refused(
          EmailRetryCode.EMAIL_NOT_RETRYABLE,
          `The failed email to ${membership.email} can no longer be sent again; re-invite them to send a new link.`,
        );
      }
      await recordDeliveryStatus(manager, [invitation.id], { status: DeliveryStatus.QUEUED, error: null });
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        {
          action: 'email.retried',
          targetId: membership.id,
          targetEmail: membership.email,
          details: { previousError: invitation.deliveryError },
        },
      ]);
      return null;
    });
    if (outcome) {
      results.push(outcome);
      continue;
    }
    retriedUserIds.push(userId);
    results.push({
      userId,
      email: membership.email,
      ok: true,
      code: null,
      message: `The invitation email to ${membership.email} was queued again, with the same link.`,
      inviteLink: null,
    });
  }
  return { results, retriedUserIds };
}

/**
 * Puts an invitation's failed emails back in the outbox as new: a fresh idempotency key (the failed call sent
 * nothing, so a new key cannot send twice) and a fresh retry window. Emails whose body is gone (cancelled, or
 * accepted by the provider and failed later) cannot be sent again. Returns how many were queued.
 */
async function requeueFailedEmails(manager: EntityManager, invitationId: string): Promise<number> {
  const result = await manager.update(
    OutboxEmailEntity,
    { invitationId, state: OutboxState.FAILED, html: Not(IsNull()) },
    {
      state: OutboxState.PENDING,
      attempts: 0,
      firstAttemptAt: null,
      nextAttemptAt: new Date(),
      batchKey: null,
      leaseOwner: null,
      leaseUntil: null,
      lastError: null,
    },
  );
  return result.affected ?? 0;
}
