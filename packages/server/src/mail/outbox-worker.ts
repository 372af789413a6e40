import { randomBytes } from 'node:crypto';
import { DataSource, In, IsNull, LessThan, LessThanOrEqual, Not, type EntityManager } from 'typeorm';
import type { Logger } from '../app/logger.js';
import { backoffDelayMs, PollingWorker } from '../common/polling-worker.js';
import { inTransaction } from '../db/transaction.js';
import { DeliveryStatus, InvitationEntity } from '../invitations/invitation.entity.js';
import type { EventBus } from '../realtime/events.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import type { EmailTransport, SendOutcome } from './transport.js';

export interface OutboxWorkerOptions {
  /** Emails per send call; Resend's batch endpoint takes at most 100. */
  batchSize?: number;
  /** How long a claimed batch belongs to this worker; after that another worker may take it over. */
  leaseMs?: number;
  pollMs?: number;
  /** Failed attempts (5xx, network) before an email is marked failed for good. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  workerId?: string;
}

/**
 * Delivers the outbox. A batch is claimed by a conditional UPDATE (only one worker's UPDATE can take a
 * row), keeps its idempotency key (`batch_key`) until it is settled, and is retried as the same batch:
 * if a worker dies after Resend accepted a batch, the next worker repeats the call with the same key and
 * Resend answers without sending again. Works on MySQL and SQLite, with any number of workers.
 */
export class OutboxWorker extends PollingWorker {
  private readonly options: Required<OutboxWorkerOptions>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transport: EmailTransport,
    private readonly events: EventBus,
    private readonly logger: Logger,
    options: OutboxWorkerOptions = {},
  ) {
    const settings = {
      batchSize: 100,
      leaseMs: 60_000,
      pollMs: 1_000,
      maxAttempts: 8,
      baseBackoffMs: 2_000,
      maxBackoffMs: 60 * 60_000,
      workerId: `worker-${randomBytes(6).toString('hex')}`,
      ...options,
    };
    super(settings.pollMs, logger, 'Outbox worker');
    this.options = settings;
  }

  /** Claims and settles one batch; returns how many emails it held (0 when nothing was due). */
  async runOnce(): Promise<number> {
    const batch = await this.claim();
    if (batch.length === 0) return 0;
    const outcome = await this.transport.send(
      batch.map((row) => ({ id: row.id, to: row.toAddress, subject: row.subject, html: row.html ?? '', text: row.textBody ?? '' })),
      batch[0]!.batchKey!,
    );
    await this.settle(batch, outcome);
    return batch.length;
  }

  private async claim(): Promise<OutboxEmailEntity[]> {
    const repo = this.dataSource.getRepository(OutboxEmailEntity);
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const me = this.options.workerId;

    // First, a batch that was claimed before and not settled: its worker died, or it is due for a retry.
    const leftover = await repo.findOne({
      where: [
        { state: OutboxState.PENDING, batchKey: Not(IsNull()), nextAttemptAt: LessThanOrEqual(now), leaseOwner: IsNull() },
        { state: OutboxState.PENDING, batchKey: Not(IsNull()), nextAttemptAt: LessThanOrEqual(now), leaseUntil: LessThan(now) },
      ],
      select: { id: true, batchKey: true },
    });
    if (leftover?.batchKey) {
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ leaseOwner: me, leaseUntil })
        .where('batch_key = :key AND state = :pending', { key: leftover.batchKey, pending: OutboxState.PENDING })
        .andWhere('(lease_owner IS NULL OR lease_until < :now)', { now })
        .execute();
      if (taken.affected) return repo.find({ where: { batchKey: leftover.batchKey, leaseOwner: me }, order: { createdAt: 'ASC', id: 'ASC' } });
      return [];
    }

    const due = await repo.find({
      where: { state: OutboxState.PENDING, batchKey: IsNull(), nextAttemptAt: LessThanOrEqual(now) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: this.options.batchSize,
      select: { id: true },
    });
    if (due.length === 0) return [];
    const batchKey = `roster-${randomBytes(16).toString('hex')}`;
    await repo
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: me, leaseUntil, batchKey })
      .where({ id: In(due.map((row) => row.id)), batchKey: IsNull(), state: OutboxState.PENDING })
      .execute();
    return repo.find({ where: { batchKey, leaseOwner: me }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  private async settle(batch: OutboxEmailEntity[], outcome: SendOutcome): Promise<void> {
    const now = new Date();
    const me = this.options.workerId;
    const invitationIds = batch.map((row) => row.invitationId).filter((id): id is string => id !== null);
    await inTransaction(this.dataSource, async (manager) => {
      if (outcome.kind === 'sent') {
        const scrub = this.transport.name === 'resend';
        for (const [index, row] of batch.entries()) {
          await manager.update(
            OutboxEmailEntity,
            { id: row.id, leaseOwner: me },
            {
              state: OutboxState.SENT,
              sentAt: now,
              transport: this.transport.name,
              providerMessageId: outcome.providerIds[index] ?? null,
              leaseOwner: null,
              leaseUntil: null,
              attempts: row.attempts + 1,
              lastError: null,
              ...(scrub ? { html: null, textBody: null, actionUrl: null } : {}),
            },
          );
        }
        await this.markInvitations(manager, invitationIds, DeliveryStatus.SENT, null, now);
        return;
      }
      const attempts = batch[0]!.attempts + (outcome.kind === 'retry' && outcome.retryAfterSeconds ? 0 : 1);
      if (outcome.kind === 'permanent' || attempts >= this.options.maxAttempts) {
        await manager.update(
          OutboxEmailEntity,
          { id: In(batch.map((row) => row.id)), leaseOwner: me },
          { state: OutboxState.FAILED, attempts, lastError: outcome.error, leaseOwner: null, leaseUntil: null },
        );
        await this.markInvitations(manager, invitationIds, DeliveryStatus.FAILED, outcome.error, null);
        this.logger.error(`Email delivery failed for good (${batch.length} email(s)): ${outcome.error}`);
        return;
      }
      const delayMs =
        outcome.retryAfterSeconds !== undefined
          ? outcome.retryAfterSeconds * 1000
          : backoffDelayMs(attempts, this.options.baseBackoffMs, this.options.maxBackoffMs);
      await manager.update(
        OutboxEmailEntity,
        { id: In(batch.map((row) => row.id)), leaseOwner: me },
        { attempts, lastError: outcome.error, nextAttemptAt: new Date(now.getTime() + delayMs), leaseOwner: null, leaseUntil: null },
      );
    });
    if (invitationIds.length > 0 && outcome.kind !== 'retry') {
      const byAccount = new Map<string, string[]>();
      for (const row of batch) if (row.invitationId) byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row.invitationId]);
      for (const [accountId, ids] of byAccount) {
        this.events.publish({ accountId, type: 'email.delivery_changed', userIds: await this.membershipIdsOf(ids), at: now });
      }
    }
  }

  private async markInvitations(manager: EntityManager, ids: string[], status: DeliveryStatus, error: string | null, sentAt: Date | null): Promise<void> {
    if (ids.length === 0) return;
    if (sentAt) {
      await manager
        .createQueryBuilder()
        .update(InvitationEntity)
        .set({ lastSentAt: sentAt, sendCount: () => 'send_count + 1' })
        .where({ id: In(ids) })
        .execute();
    }
    const query = manager.createQueryBuilder().update(InvitationEntity).set({ deliveryStatus: status, deliveryError: error }).where({ id: In(ids) });
    // A delivery report (delivered, bounced) that arrived before "sent" was recorded is not overwritten.
    if (status === DeliveryStatus.SENT) query.andWhere('delivery_status IN (:...open)', { open: [DeliveryStatus.QUEUED, DeliveryStatus.FAILED, DeliveryStatus.NOT_SENT] });
    await query.execute();
  }

  private async membershipIdsOf(invitationIds: string[]): Promise<string[]> {
    const rows = await this.dataSource.getRepository(InvitationEntity).find({ where: { id: In(invitationIds) }, select: { membershipId: true } });
    return rows.map((row) => row.membershipId).filter((id): id is string => id !== null);
  }
}

