import type { EntityManager } from 'typeorm';
import { newId } from '../core/db/columns.js';
import { bulkInsertEntities } from '../core/db/bulk-insert.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';

export interface EmailToQueue {
  accountId: string;
  invitationId: string | null;
  to: string;
  subject: string;
  html: string;
  text: string;
  actionUrl: string | null;
}

/** Queues emails inside the caller's transaction: they exist exactly when the change that caused them does. */
export async function enqueueEmails(manager: EntityManager, emails: EmailToQueue[]): Promise<void> {
  const now = new Date();
  const rows: OutboxEmailEntity[] = emails.map((email) => ({
    id: newId(),
    accountId: email.accountId,
    invitationId: email.invitationId,
    toAddress: email.to,
    subject: email.subject,
    html: email.html,
    textBody: email.text,
    actionUrl: email.actionUrl,
    state: OutboxState.PENDING,
    attempts: 0,
    firstAttemptAt: null,
    nextAttemptAt: now,
    leaseOwner: null,
    leaseUntil: null,
    batchKey: null,
    transport: null,
    providerMessageId: null,
    lastError: null,
    createdAt: now,
    sentAt: null,
  }));
  await bulkInsertEntities(manager, OutboxEmailEntity, rows);
}
