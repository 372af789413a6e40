import { randomBytes } from 'node:crypto';
import { DataSource, In, IsNull, LessThan, LessThanOrEqual } from 'typeorm';
import type { Logger } from '../core/logger.js';
import { keepLease, LEASE_FREE } from '../core/workers/lease.js';
import { backoffDelayMs, PollingWorker } from '../core/workers/polling-worker.js';
import { inTransaction } from '../core/db/transaction.js';
import { DeliveryStatus, invitedUserIds, recordDeliveryStatus } from '../invitations/index.js';
import type { EventBus } from '../core/events.js';
import { OutboxEmailEntity, OutboxState } from './outbox-email.entity.js';
import { abandonedCallMessage, type EmailTransport, type SendOutcome } from './transport.js';
import type { SendRateLimiter } from './send-rate.js';
import { MAX_ERROR_LENGTH, recordSentBatch } from './outbox-sent.js';

export interface OutboxWorkerOptions {
  /** Emails per send call; Resend's batch endpoint takes at most 100. */
  batchSize?: number;
  /** How long a claimed batch belongs to this worker unless renewed; after that another worker may take it over. */
  leaseMs?: number;
  /** How often a worker renews the lease of the batch it is sending (real time; default a third of `leaseMs`). */
  leaseRenewMs?: number;
  pollMs?: number;
  /**
   * The deadline of one pass's send call: a call Resend has not answered by then is abandoned and counts as a
   * transient failure, repeated later under the same idempotency key. One hung call cannot stop the outbox.
   */
  sendTimeoutMs?: number;
  /** How long one pass (batches until none is due) may run; the batch in progress is then abandoned and stays due. */
  passDeadlineMs?: number;
  /** How long transient failures (5xx, network, timeouts, 429) are retried, from the email's first attempt. */
  retryForMs?: number;
  baseBackoffMs?: number;
  /** The longest wait between two attempts, so an email goes out soon after an outage ends. */
  maxBackoffMs?: number;
  workerId?: string;
  /** The clock leases, due times and the retry window are read from (tests move it on instead of waiting). */
  now?: () => Date;
  /** Permits for calls to the provider, shared by every instance (Resend's per-team rate); none: calls are not paced. */
  rateLimiter?: SendRateLimiter;
  /**
   * Batches this instance has in flight at once (default 1). With a rate limit, 2 keep the permits used: one batch
   * is claimed and waits for its slot while the other is sent and settled.
   */
  lanes?: number;
}

type SettleDecision =
  | { kind: 'sent' }
  | { kind: 'fail'; attempts: number; error: string }
  | { kind: 'retry'; attempts: number; error: string; delayMs: number };

/**
 * Delivers the outbox. A batch is claimed by a conditional UPDATE (only one worker's UPDATE can take a
 * row), keeps its idempotency key (`batch_key`) until it is settled, and is retried as the same batch:
 * if a worker dies after Resend accepted a batch, the next worker repeats the call with the same key and
 * Resend answers without sending again. Works on MySQL and SQLite, with any number of workers.
 *
 * Each call first takes a permit of the send-rate limiter (`send-rate.ts`, shared by every instance through
 * Redis): Resend allows a team a few requests per second, and a 429's retry-after holds back every instance.
 *
 * A pass (batches until none is due) has a deadline and ends when the worker stops; each send call has its
 * own deadline (`sendTimeoutMs`) and ends with the pass, so one hung call cannot hold up an instance's email.
 * While a call runs the worker renews its lease: a slow but live worker keeps its batch, only a dead one's is
 * taken over. Transient failures (5xx, network, timeouts, 409 and 429) are retried with capped, jittered
 * exponential backoff until `retryForMs` after the first attempt (a day by default: a provider outage of hours
 * loses nothing); only a permanent answer (4xx other than 409 and 429) fails an email at once. An admin can send a
 * failed invitation email again (`email-retry.ts`).
 */
export class OutboxWorker extends PollingWorker {
  private readonly options: Required<Omit<OutboxWorkerOptions, 'leaseRenewMs' | 'rateLimiter'>> & { leaseRenewMs: number };
  private readonly rateLimiter: SendRateLimiter | null;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transport: EmailTransport,
    private readonly events: EventBus,
    private readonly logger: Logger,
    options: OutboxWorkerOptions = {},
  ) {
    const { rateLimiter, ...rest } = options;
    const settings = {
      batchSize: 100,
      leaseMs: 60_000,
      pollMs: 1_000,
      sendTimeoutMs: 20_000,
      passDeadlineMs: 5 * 60_000,
      retryForMs: 24 * 60 * 60_000,
      baseBackoffMs: 2_000,
      maxBackoffMs: 15 * 60_000,
      workerId: `worker-${randomBytes(6).toString('hex')}`,
      lanes: 1,
      now: () => new Date(),
      ...rest,
    };
    super(settings.pollMs, logger, 'Outbox worker', settings.passDeadlineMs);
    this.options = { ...settings, leaseRenewMs: options.leaseRenewMs ?? Math.max(1, Math.floor(settings.leaseMs / 3)) };
    this.now = settings.now;
    this.rateLimiter = rateLimiter ?? null;
  }

  /** Claims and settles one batch per lane, side by side; returns how many emails they held (0 when nothing was due). */
  async runOnce(passSignal?: AbortSignal): Promise<number> {
    if (this.options.lanes <= 1) return this.runBatch(passSignal);
    const handled = await Promise.all(Array.from({ length: this.options.lanes }, () => this.runBatch(passSignal)));
    return handled.reduce((a, b) => a + b, 0);
  }

  /**
   * Claims and settles one batch; returns how many emails it held (0 when nothing was due). `passSignal` is the
   * pass's (its deadline, or the worker stopping): the send ends with it, and is repeated later with the same key.
   * The call waits for a permit of the shared rate limiter first; a pass that ends meanwhile hands the batch back
   * unchanged (no attempt counted), due at once for whichever instance is next.
   */
  private async runBatch(passSignal?: AbortSignal): Promise<number> {
    if (passSignal?.aborted) return 0;
    const batch = await this.claim();
    if (batch.length === 0) return 0;
    const batchKey = batch[0]!.batchKey!;
    const lease = keepLease(() => this.renewLease(batchKey), this.options.leaseRenewMs, this.logger, 'Outbox worker');
    const stopped = AbortSignal.any([lease.lost, ...(passSignal ? [passSignal] : [])]);
    let sent: { outcome: SendOutcome; startedAt: Date } | null = null;
    try {
      if (await this.permit(stopped)) sent = await this.send(batch, batchKey, stopped);
    } finally {
      lease.stop();
    }
    if (sent) await this.settle(batch, sent.outcome, sent.startedAt);
    else await this.handBack(batchKey);
    return batch.length;
  }

  /** Waits for the rate limiter; false when `signal` fired first. */
  private async permit(signal: AbortSignal): Promise<boolean> {
    if (!this.rateLimiter) return true;
    try {
      await this.rateLimiter.acquire(signal);
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      // The limiter itself failed (it falls back to memory when Redis does, so this is unexpected): send anyway.
      this.logger.error('Outbox worker: the send rate limiter failed; sending without a permit', error);
      return true;
    }
  }

  private async send(batch: OutboxEmailEntity[], batchKey: string, stopped: AbortSignal) {
    const startedAt = this.now();
    const signal = AbortSignal.any([AbortSignal.timeout(this.options.sendTimeoutMs), stopped]);
    let outcome: SendOutcome;
    try {
      const emails = batch.map((row) => ({
        id: row.id,
        to: row.toAddress,
        subject: row.subject,
        html: row.html ?? '',
        text: row.textBody ?? '',
      }));
      // The race keeps the deadline even for a transport that ignores the signal.
      outcome = await Promise.race([this.transport.send(emails, batchKey, signal), whenAborted(signal)]);
    } catch (error) {
      outcome = { kind: 'retry', error: `Sending failed: ${(error as Error).message}` };
    }
    // Rate limited: every instance waits as long as the provider asked, not only this one.
    if (outcome.kind === 'retry' && outcome.retryAfterSeconds)
      await this.rateLimiter?.pushBack(outcome.retryAfterSeconds * 1000).catch(() => undefined);
    return { outcome, startedAt };
  }

  /** Releases a claimed batch untouched: same key, same attempts, still due. */
  private async handBack(batchKey: string): Promise<void> {
    await this.dataSource
      .getRepository(OutboxEmailEntity)
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: null, leaseUntil: null })
      .where('batch_key = :key AND lease_owner = :me AND state = :pending', {
        key: batchKey,
        me: this.options.workerId,
        pending: OutboxState.PENDING,
      })
      .execute();
  }

  private async renewLease(batchKey: string): Promise<boolean> {
    const renewed = await this.dataSource
      .getRepository(OutboxEmailEntity)
      .createQueryBuilder()
      .update()
      .set({ leaseUntil: new Date(this.now().getTime() + this.options.leaseMs) })
      .where('batch_key = :key AND lease_owner = :me AND state = :pending', {
        key: batchKey,
        me: this.options.workerId,
        pending: OutboxState.PENDING,
      })
      .execute();
    return Boolean(renewed.affected);
  }

  /**
   * Claims the next batch. Instances look at the same due rows, so one often claims them just before another:
   * the loser looks again at once (the rows after them), rather than ending its pass and idling a poll interval.
   */
  private async claim(): Promise<OutboxEmailEntity[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const batch = await this.claimOnce();
      if (batch) return batch;
    }
    return [];
  }

  /** The claimed batch, [] when nothing is due, or null when another worker took what this one was about to. */
  private async claimOnce(): Promise<OutboxEmailEntity[] | null> {
    const repo = this.dataSource.getRepository(OutboxEmailEntity);
    const now = this.now();
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const me = this.options.workerId;

    // The oldest due emails not held by a live lease, in the order of the due index (no sort, and the scan stops
    // at a batch's worth however many emails wait). One that already has a key belongs to a batch claimed before
    // and not settled (its worker died, or it is due for a retry): that batch goes again, whole, under its key.
    const candidates = await repo.find({
      where: [
        { state: OutboxState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseOwner: IsNull() },
        { state: OutboxState.PENDING, nextAttemptAt: LessThanOrEqual(now), leaseUntil: LessThan(now) },
      ],
      order: { nextAttemptAt: 'ASC', id: 'ASC' },
      take: this.options.batchSize,
      select: { id: true, batchKey: true },
    });
    const leftover = candidates.find((row) => row.batchKey !== null);
    if (leftover?.batchKey) {
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ leaseOwner: me, leaseUntil })
        .where('batch_key = :key AND state = :pending', { key: leftover.batchKey, pending: OutboxState.PENDING })
        .andWhere(LEASE_FREE, { now })
        .execute();
      if (taken.affected)
        return repo.find({ where: { batchKey: leftover.batchKey, leaseOwner: me }, order: { createdAt: 'ASC', id: 'ASC' } });
      return null;
    }

    const due = candidates.filter((row) => row.batchKey === null);
    if (due.length === 0) return [];
    const batchKey = `roster-${randomBytes(16).toString('hex')}`;
    const taken = await repo
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: me, leaseUntil, batchKey })
      .where({ id: In(due.map((row) => row.id)), batchKey: IsNull(), state: OutboxState.PENDING })
      .execute();
    if (!taken.affected) return null;
    return repo.find({ where: { batchKey, leaseOwner: me }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  private async settle(batch: OutboxEmailEntity[], outcome: SendOutcome, startedAt: Date): Promise<void> {
    const now = this.now();
    const me = this.options.workerId;
    const ids = batch.map((row) => row.id);
    const firstAttemptAt = batch[0]!.firstAttemptAt ?? startedAt;
    const decision = this.decide(outcome, batch[0]!.attempts, firstAttemptAt, now);
    const invitationIds = batch.map((row) => row.invitationId).filter((id): id is string => id !== null);
    // Every write is conditional on still holding the lease: a worker that lost its batch changes nothing.
    const settled = await inTransaction(this.dataSource, async (manager) => {
      if (outcome.kind === 'sent')
        return recordSentBatch(manager, { batch, outcome, workerId: me, now, firstAttemptAt, transportName: this.transport.name });
      if (decision.kind === 'fail') {
        const result = await manager.update(
          OutboxEmailEntity,
          { id: In(ids), leaseOwner: me },
          {
            state: OutboxState.FAILED,
            attempts: decision.attempts,
            firstAttemptAt,
            lastError: decision.error,
            leaseOwner: null,
            leaseUntil: null,
          },
        );
        if (!result.affected) return false;
        await recordDeliveryStatus(manager, invitationIds, { status: DeliveryStatus.FAILED, error: decision.error });
        return true;
      }
      if (decision.kind !== 'retry') return false;
      await manager.update(
        OutboxEmailEntity,
        { id: In(ids), leaseOwner: me },
        {
          attempts: decision.attempts,
          firstAttemptAt,
          lastError: decision.error,
          nextAttemptAt: new Date(now.getTime() + decision.delayMs),
          leaseOwner: null,
          leaseUntil: null,
        },
      );
      return false;
    });
    if (outcome.kind === 'sent' && outcome.rejected?.length && settled)
      this.logger.error(`Email delivery failed for ${outcome.rejected.length} of ${batch.length} email(s): ${outcome.rejected[0]!.error}`);
    if (decision.kind === 'fail' && settled) this.logger.error(`Email delivery failed (${batch.length} email(s)): ${decision.error}`);
    else if (decision.kind === 'retry')
      this.logger.info(
        `Email delivery will be retried in ${Math.round(decision.delayMs / 1000)} s (${batch.length} email(s)): ${decision.error}`,
      );
    if (settled && invitationIds.length > 0) {
      const byAccount = new Map<string, string[]>();
      for (const row of batch)
        if (row.invitationId) byAccount.set(row.accountId, [...(byAccount.get(row.accountId) ?? []), row.invitationId]);
      for (const [accountId, accountInvitationIds] of byAccount) {
        this.events.publish({
          accountId,
          type: 'email.delivery_changed',
          userIds: await invitedUserIds(this.dataSource, accountInvitationIds),
          at: now,
        });
      }
    }
  }

  /**
   * The retry rule: a permanent answer fails the email at once; a transient one is tried again after a capped,
   * jittered exponential backoff (or when a 429 says), until `retryForMs` after the first attempt has passed.
   */
  private decide(outcome: SendOutcome, previousAttempts: number, firstAttemptAt: Date, now: Date): SettleDecision {
    if (outcome.kind === 'sent') return { kind: 'sent' };
    // A 429 with retry-after is Resend pacing us, not a failed attempt.
    const attempts = previousAttempts + (outcome.kind === 'retry' && outcome.retryAfterSeconds ? 0 : 1);
    const error = outcome.error.slice(0, MAX_ERROR_LENGTH);
    if (outcome.kind === 'permanent') return { kind: 'fail', attempts, error };
    const elapsedMs = now.getTime() - firstAttemptAt.getTime();
    if (elapsedMs >= this.options.retryForMs) {
      const hours = Math.round(elapsedMs / 3_600_000);
      return {
        kind: 'fail',
        attempts,
        error: `Gave up after ${hours} hour${hours === 1 ? '' : 's'} of failed attempts. Last answer: ${error}`.slice(0, MAX_ERROR_LENGTH),
      };
    }
    const delayMs =
      outcome.retryAfterSeconds !== undefined
        ? outcome.retryAfterSeconds * 1000
        : backoffDelayMs(attempts, this.options.baseBackoffMs, this.options.maxBackoffMs);
    return { kind: 'retry', attempts, error, delayMs };
  }
}

/** Resolves, as a transient failure, when the signal fires (the send's deadline, shutdown, a lost lease). */
function whenAborted(signal: AbortSignal): Promise<SendOutcome> {
  return new Promise((resolve) => {
    const settle = () => resolve({ kind: 'retry', error: abandonedCallMessage(signal) });
    if (signal.aborted) settle();
    else signal.addEventListener('abort', settle, { once: true });
  });
}
