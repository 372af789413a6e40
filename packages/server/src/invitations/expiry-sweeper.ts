import { DataSource, IsNull, LessThanOrEqual } from 'typeorm';
import type { Logger } from '../app/logger.js';
import { recordAudit } from '../audit/audit.js';
import { inTransaction } from '../db/transaction.js';
import type { EventBus } from '../realtime/events.js';
import { InvitationEntity, InvitationState } from './invitation.entity.js';

/**
 * Expiry is a moment, not an action, so nothing records it by itself: this sweep notes each pending
 * invitation that passed its expiry once (audit trail + event), so dashboards and webhooks learn of it.
 */
export class InvitationExpirySweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep().catch((error) => this.logger.error('Invitation expiry sweep failed', error)), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
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
        const claimed = await manager.update(InvitationEntity, { id: invitation.id, expiryRecordedAt: IsNull(), state: InvitationState.PENDING }, { expiryRecordedAt: now });
        if (claimed.affected) fresh.push(invitation);
      }
      for (const invitation of fresh) {
        await recordAudit(manager, invitation.accountId, { type: 'SYSTEM', id: null }, [
          { action: 'user.invitation_expired', targetId: invitation.membershipId, targetEmail: invitation.email, details: { expiresAt: invitation.expiresAt.toISOString() } },
        ]);
      }
      return fresh;
    });
    const byAccount = new Map<string, string[]>();
    for (const invitation of recorded) {
      if (invitation.membershipId) byAccount.set(invitation.accountId, [...(byAccount.get(invitation.accountId) ?? []), invitation.membershipId]);
    }
    for (const [accountId, userIds] of byAccount) this.events.publish({ accountId, type: 'user.invitation_expired', userIds, at: now });
    return recorded.length;
  }
}
