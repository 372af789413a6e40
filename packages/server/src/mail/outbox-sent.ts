import { In, type EntityManager } from 'typeorm';
import { DeliveryStatus, recordDeliveryStatus } from '../invitations/index.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import type { SendOutcome } from './transport.js';

/** Outbox rows hold Resend's answer in 500 characters. */
export const MAX_ERROR_LENGTH = 480;

export interface SentBatch {
  batch: OutboxEmailEntity[];
  outcome: Extract<SendOutcome, { kind: 'sent' }>;
  /** The worker that holds the batch's lease: every write is conditional on it. */
  workerId: string;
  now: Date;
  firstAttemptAt: Date;
  transportName: string;
}

/**
 * Records an accepted batch inside the caller's transaction: its sent emails in one UPDATE (each row gets its
 * provider id through a CASE, so a batch of 100 costs one round trip, not 100), the emails the provider refused
 * one by one as failed with their reason, and the invitations' delivery status. Returns false when the worker no
 * longer held the batch (nothing was written).
 */
export async function recordSentBatch(manager: EntityManager, sent: SentBatch): Promise<boolean> {
  const { batch, outcome, workerId, now, firstAttemptAt } = sent;
  const refused = new Map((outcome.rejected ?? []).map((r) => [r.index, r.error.slice(0, MAX_ERROR_LENGTH)]));
  const accepted = batch.map((row, index) => ({ row, providerId: outcome.providerIds[index] ?? null })).filter((_, i) => !refused.has(i));
  let updated = 0;
  if (accepted.length > 0) {
    const parameters: Record<string, string | null> = {};
    const cases = accepted.map(({ row, providerId }, i) => {
      parameters[`sentId${i}`] = row.id;
      parameters[`providerId${i}`] = providerId;
      return `WHEN :sentId${i} THEN :providerId${i}`;
    });
    // Scrubbed once with Resend: the link lives on in the invitee's mailbox, not in ours (the dev mailbox keeps it).
    const scrub = sent.transportName === 'resend';
    const result = await manager
      .createQueryBuilder()
      .update(OutboxEmailEntity)
      .set({
        state: OutboxState.SENT,
        sentAt: now,
        transport: sent.transportName,
        providerMessageId: () => `CASE id ${cases.join(' ')} END`,
        leaseOwner: null,
        leaseUntil: null,
        attempts: () => 'attempts + 1',
        firstAttemptAt,
        lastError: null,
        ...(scrub ? { html: null, textBody: null, actionUrl: null } : {}),
      })
      .where({ id: In(accepted.map(({ row }) => row.id)), leaseOwner: workerId })
      .setParameters(parameters)
      .execute();
    updated += result.affected ?? 0;
  }
  for (const [index, error] of refused) {
    const row = batch[index]!;
    const result = await manager.update(
      OutboxEmailEntity,
      { id: row.id, leaseOwner: workerId },
      { state: OutboxState.FAILED, attempts: row.attempts + 1, firstAttemptAt, lastError: error, leaseOwner: null, leaseUntil: null },
    );
    updated += result.affected ?? 0;
  }
  if (updated === 0) return false;
  const sentInvitations = accepted.map(({ row }) => row.invitationId).filter((id): id is string => id !== null);
  await recordDeliveryStatus(manager, sentInvitations, { status: DeliveryStatus.SENT, error: null, sentAt: now });
  for (const [index, error] of refused) {
    const invitationId = batch[index]!.invitationId;
    if (invitationId) await recordDeliveryStatus(manager, [invitationId], { status: DeliveryStatus.FAILED, error });
  }
  return true;
}
