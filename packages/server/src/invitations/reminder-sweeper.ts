import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { UserStatus } from '../accounts/index.js';
import { recordAudit } from '../audit/index.js';
import { toSqlDateTime } from '../core/db/columns.js';
import { inTransaction } from '../core/db/transaction.js';
import type { Logger } from '../core/logger.js';
import { PollingWorker } from '../core/workers/polling-worker.js';
import { announce } from './create-invitations.js';
import { DeliveryStatus, InvitationEntity, InvitationState } from './invitation.entity.js';
import type { InvitationContext, NewInvitation } from './invitation-model.js';
import { reissueWithin } from './reinvite.js';

const DAY_MS = 86_400_000;
/** Nobody is reminded within a day of the email they are reminded of (an invitation made under a shorter lifetime). */
const MIN_AGE_MS = DAY_MS;
const BATCH = 50;

export interface InvitationReminderOptions {
  /** How often a pass runs (default every 15 minutes). */
  intervalMs?: number;
  /** The clock invitations are aged by (tests move it). */
  now?: () => Date;
}

/**
 * Automatic reminders (accounts.invitation_reminder_days): a pending invitation that was emailed (SENT or DELIVERED:
 * never one that was not sent, bounced or complained about) is re-sent that many days before it expires. Tokens are
 * stored hashed, so a re-send is a new link through the re-invite's own `reissueWithin`: the old link is revoked as
 * REISSUED (a conditional update, so of two instances only one sends), the new one keeps the old expiry and carries
 * `reminderSentAt`, so each chain of links is reminded once. Audited as `user.reinvited` by SYSTEM with
 * `{ reminder: true }`.
 */
export class InvitationReminderSweeper extends PollingWorker {
  private readonly now: () => Date;

  constructor(
    private readonly ctx: InvitationContext,
    logger: Logger,
    options: InvitationReminderOptions = {},
  ) {
    super(options.intervalMs ?? 15 * 60_000, logger, 'Invitation reminders');
    this.now = options.now ?? (() => new Date());
  }

  runOnce(): Promise<number> {
    return this.remindDue();
  }

  /** Sends the reminders that are due; resolves with how many were sent. */
  async remindDue(): Promise<number> {
    const now = this.now();
    const leads = await this.ctx.dataSource
      .getRepository(AccountEntity)
      .createQueryBuilder('a')
      .select('DISTINCT a.invitation_reminder_days', 'days')
      .where('a.invitation_reminder_days IS NOT NULL')
      .getRawMany<{ days: number | string }>();
    let sent = 0;
    for (const { days } of leads) {
      const due = await this.dueFor(Number(days), now);
      for (const invitation of due) if (await this.remind(invitation, now)) sent++;
    }
    return sent;
  }

  /** Emailed pending invitations of accounts reminding `days` before expiry, now inside that window. */
  private dueFor(days: number, now: Date): Promise<InvitationEntity[]> {
    return this.ctx.dataSource
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .innerJoin(AccountEntity, 'a', 'a.id = i.account_id')
      .innerJoin(MembershipEntity, 'm', 'm.id = i.membership_id')
      .where('a.invitation_reminder_days = :days', { days })
      .andWhere('i.state = :pending AND i.reminder_sent_at IS NULL', { pending: InvitationState.PENDING })
      .andWhere('i.delivery_status IN (:...emailed)', { emailed: [DeliveryStatus.SENT, DeliveryStatus.DELIVERED] })
      .andWhere('i.expires_at > :now AND i.expires_at <= :until', {
        now: toSqlDateTime(now),
        until: toSqlDateTime(new Date(now.getTime() + days * DAY_MS)),
      })
      .andWhere('i.created_at <= :oldEnough', { oldEnough: toSqlDateTime(new Date(now.getTime() - MIN_AGE_MS)) })
      .andWhere('m.status = :invited', { invited: UserStatus.INVITED })
      .orderBy('i.expires_at', 'ASC')
      .limit(BATCH)
      .getMany();
  }

  private async remind(current: InvitationEntity, now: Date): Promise<boolean> {
    const entry = await inTransaction(this.ctx.dataSource, async (manager): Promise<NewInvitation | null> => {
      const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: current.accountId });
      const membership = await manager.getRepository(MembershipEntity).findOneBy({ id: current.membershipId! });
      if (!membership) return null;
      const reissued = await reissueWithin(this.ctx, manager, account, membership, current, {
        invitedBy: current.invitedByPersonId,
        sendEmail: true,
        now,
        reminder: true,
      });
      if (!reissued) return null;
      await recordAudit(manager, current.accountId, { type: 'SYSTEM', id: null }, [
        {
          action: 'user.reinvited',
          targetId: membership.id,
          targetEmail: membership.email,
          details: { reminder: true, expiresAt: current.expiresAt.toISOString() },
        },
      ]);
      return reissued;
    });
    if (!entry) return false;
    announce(this.ctx, current.accountId, 'user.reinvited', [entry], true);
    return true;
  }
}
