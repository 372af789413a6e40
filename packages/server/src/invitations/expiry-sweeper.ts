import { DataSource, IsNull, LessThanOrEqual } from 'typeorm';
import type { Logger } from '../core/logger.js';
import { recordAudit } from '../audit/index.js';
import { PollingWorker } from '../core/workers/polling-worker.js';
import { inTransaction } from '../core/db/transaction.js';
import type { EventBus } from '../core/events.js';
import { InvitationEntity, InvitationState } from './invitation.entity.js';

/**
 * Expiry is a moment, not an action, so nothing records it by itself: this sweep notes each pending
 * invitation that passed its expiry once (audit trail + event), so dashboards and webhooks learn of it.
 * Scheduled by the shared polling worker: a pass sweeps batches of 500 until none is left.
 */
export class InvitationExpirySweeper extends PollingWorker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    logger: Logger,
    intervalMs = 60_000,
  ) {
    super(intervalMs, logger, 'Invitation expiry sweep');
  }

  runOnce(): Promise<number> {
    return this.sweep();
  }

  /** Records every newly expired invitation; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    const due = await this.dataSource.getRepository(InvitationEntity).find({
      where: { state: InvitationState.PENDING, expiresAt: LessThanOrEqual(now), expiryRecordedAt: IsNull() },
      take: 500,
    });
    if (due.length === 0) return 0;
    const recorded = await inTransaction(this.dataSource, async (manager) => {
      const fresh: InvitationEntity[] = [];
      for (const invitation of due) {
        const claimed = await manager.update(
          InvitationEntity,
          { id: invitation.id, expiryRecordedAt: IsNull(), state: InvitationState.PENDING },
          { expiryRecordedAt: now },
        );
        if (claimed.affected) fresh.push(invitation);
      }
      for (const invitation of fresh) {
        await recordAudit(manager, invitation.accountId, { type: 'SYSTEM', id: null }, [
          {
            action: 'user.invitation_expired',
            targetId: invitation.membershipId,
            targetEmail: invitation.email,
            details: { expiresAt: invitation.expiresAt.toISOString() },
          },
        ]);
      }
      return fresh;
    });
    const byAccount = new Map<string, string[]>();
    for (const invitation of recorded) {
      if (invitation.membershipId)
        byAccount.set(invitation.accountId, [...(byAccount.get(invitation.accountId) ?? []), invitation.membershipId]);
    }
    for (const [accountId, userIds] of byAccount) this.events.publish({ accountId, type: 'user.invitation_expired', userIds, at: now });
    return recorded.length;
  }
}
