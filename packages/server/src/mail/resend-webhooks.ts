import { DataSource, In } from 'typeorm';
import { recordAudit } from '../audit/audit.js';
import { inTransaction } from '../db/transaction.js';
import { DeliveryStatus, InvitationEntity } from '../invitations/invitation.entity.js';
import type { EventBus } from '../realtime/events.js';
import { OutboxEmailEntity } from './outbox-email.entity.js';

const STATUS_BY_EVENT: Record<string, DeliveryStatus> = {
  'email.delivered': DeliveryStatus.DELIVERED,
  'email.bounced': DeliveryStatus.BOUNCED,
  'email.complained': DeliveryStatus.COMPLAINED,
  'email.failed': DeliveryStatus.FAILED,
};

export interface ResendEvent {
  type?: string;
  created_at?: string;
  data?: { email_id?: string; to?: string[]; bounce?: { message?: string; type?: string } };
}

/** Applies a verified Resend delivery event to the invitation that email carried. Returns what it did. */
export async function applyResendEvent(dataSource: DataSource, events: EventBus, event: ResendEvent): Promise<'applied' | 'ignored'> {
  const status = event.type ? STATUS_BY_EVENT[event.type] : undefined;
  const emailId = event.data?.email_id;
  if (!status || !emailId) return 'ignored';
  const outbox = await dataSource.getRepository(OutboxEmailEntity).findOneBy({ providerMessageId: emailId });
  if (!outbox?.invitationId) return 'ignored';
  const invitation = await dataSource.getRepository(InvitationEntity).findOneBy({ id: outbox.invitationId });
  if (!invitation) return 'ignored';
  const error = status === DeliveryStatus.BOUNCED ? (event.data?.bounce?.message ?? 'The recipient address bounced.') : status === DeliveryStatus.COMPLAINED ? 'The recipient marked the email as spam.' : null;
  await inTransaction(dataSource, async (manager) => {
    // "Delivered" never overwrites a bounce or complaint that came first.
    const guard = status === DeliveryStatus.DELIVERED ? [DeliveryStatus.QUEUED, DeliveryStatus.SENT] : Object.values(DeliveryStatus);
    await manager.update(InvitationEntity, { id: invitation.id, deliveryStatus: In(guard) }, { deliveryStatus: status, deliveryError: error });
    if (status !== DeliveryStatus.DELIVERED) {
      await recordAudit(manager, invitation.accountId, { type: 'SYSTEM', id: null }, [
        { action: event.type!, targetId: invitation.membershipId, targetEmail: invitation.email, details: { emailId, reason: error } },
      ]);
    }
  });
  if (invitation.membershipId) events.publish({ accountId: invitation.accountId, type: 'email.delivery_changed', userIds: [invitation.membershipId], at: new Date() });
  return 'applied';
}
