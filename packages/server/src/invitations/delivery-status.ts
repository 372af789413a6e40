import { In, type DataSource, type EntityManager } from 'typeorm';
import { recordAudit } from '../audit/index.js';
import { inTransaction } from '../core/db/transaction.js';
import type { EventBus } from '../core/events.js';
import { DeliveryStatus, InvitationEntity, InvitationState } from './invitation.entity.js';

/*
 * How an invitation learns what became of its email. The mail feature sends and hears from the provider;
 * it reports here, and only this module writes an invitation's delivery status: one rule for which report
 * may replace which.
 */

/** The statuses a report may replace; a report not listed here replaces any status. */
const REPLACES: Partial<Record<DeliveryStatus, DeliveryStatus[]>> = {
  // Queued again only by a retry of a failed email.
  [DeliveryStatus.QUEUED]: [DeliveryStatus.FAILED],
  // A delivery report (delivered, bounced) that arrived before "sent" was recorded is not overwritten.
  [DeliveryStatus.SENT]: [DeliveryStatus.QUEUED, DeliveryStatus.FAILED, DeliveryStatus.NOT_SENT],
  // "Delivered" never overwrites a bounce or complaint that came first.
  [DeliveryStatus.DELIVERED]: [DeliveryStatus.QUEUED, DeliveryStatus.SENT],
};

export interface DeliveryReport {
  status: DeliveryStatus;
  error: string | null;
  /** When the email was handed to the provider (a send): counted in the invitation's send count. */
  sentAt?: Date;
}

/**
 * Records what became of these invitations' emails, inside the caller's transaction (the outbox worker
 * settling a batch, a retry). Returns how many invitations changed status.
 */
export async function recordDeliveryStatus(manager: EntityManager, invitationIds: string[], report: DeliveryReport): Promise<number> {
  if (invitationIds.length === 0) return 0;
  if (report.sentAt) {
    await manager
      .createQueryBuilder()
      .update(InvitationEntity)
      .set({ lastSentAt: report.sentAt, sendCount: () => 'send_count + 1' })
      .where({ id: In(invitationIds) })
      .execute();
  }
  const query = manager
    .createQueryBuilder()
    .update(InvitationEntity)
    .set({ deliveryStatus: report.status, deliveryError: report.error })
    .where({ id: In(invitationIds) });
  const replaces = REPLACES[report.status];
  if (replaces) query.andWhere('delivery_status IN (:...replaces)', { replaces });
  return (await query.execute()).affected ?? 0;
}

/**
 * A provider's later report on one invitation email (delivered, bounced, complained, failed): recorded with an
 * audit entry when it is bad news, and announced to live dashboards. 'ignored' when the invitation is gone.
 */
export async function recordDeliveryReport(
  dataSource: DataSource,
  events: EventBus,
  invitationId: string,
  report: { status: DeliveryStatus; error: string | null; providerEvent: string; emailId: string },
): Promise<'applied' | 'ignored'> {
  const invitation = await dataSource.getRepository(InvitationEntity).findOneBy({ id: invitationId });
  if (!invitation) return 'ignored';
  await inTransaction(dataSource, async (manager) => {
    await recordDeliveryStatus(manager, [invitation.id], { status: report.status, error: report.error });
    if (report.status !== DeliveryStatus.DELIVERED) {
      await recordAudit(manager, invitation.accountId, { type: 'SYSTEM', id: null }, [
        {
          action: report.providerEvent,
          targetId: invitation.membershipId,
          targetEmail: invitation.email,
          details: { emailId: report.emailId, reason: report.error },
        },
      ]);
    }
  });
  if (invitation.membershipId)
    events.publish({ accountId: invitation.accountId, type: 'email.delivery_changed', userIds: [invitation.membershipId], at: new Date() });
  return 'applied';
}

/** The users these invitations are for (to tell live dashboards whose delivery status changed). */
export async function invitedUserIds(dataSource: DataSource, invitationIds: string[]): Promise<string[]> {
  const rows = await dataSource.getRepository(InvitationEntity).find({ where: { id: In(invitationIds) }, select: { membershipId: true } });
  return rows.map((row) => row.membershipId).filter((id): id is string => id !== null);
}

/** A user's newest pending invitation, as far as retrying its email needs to know it (read in the caller's transaction). */
export async function pendingInvitationOf(
  manager: EntityManager,
  accountId: string,
  membershipId: string,
): Promise<Pick<InvitationEntity, 'id' | 'role' | 'expiresAt' | 'deliveryStatus' | 'deliveryError'> | null> {
  return manager
    .getRepository(InvitationEntity)
    .findOne({ where: { accountId, membershipId, state: InvitationState.PENDING }, order: { createdAt: 'DESC' } });
}
