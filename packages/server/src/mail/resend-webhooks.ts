import type { DataSource } from 'typeorm';
import { DeliveryStatus, recordDeliveryReport } from '../invitations/index.js';
import type { EventBus } from '../core/events.js';
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

/** Reports a verified Resend delivery event to the invitation that email carried. Returns what it did. */
export async function applyResendEvent(dataSource: DataSource, events: EventBus, event: ResendEvent): Promise<'applied' | 'ignored'> {
  const status = event.type ? STATUS_BY_EVENT[event.type] : undefined;
  const emailId = event.data?.email_id;
  if (!status || !emailId) return 'ignored';
  const outbox = await dataSource.getRepository(OutboxEmailEntity).findOneBy({ providerMessageId: emailId });
  if (!outbox?.invitationId) return 'ignored';
  const error =
    status === DeliveryStatus.BOUNCED
      ? (event.data?.bounce?.message ?? 'The recipient address bounced.')
      : status === DeliveryStatus.COMPLAINED
        ? 'The recipient marked the email as spam.'
        : null;
  // The invitation reacts (its status, audit entry and live event): the invitations feature owns that.
  return recordDeliveryReport(dataSource, events, outbox.invitationId, { status, error, providerEvent: event.type!, emailId });
}
