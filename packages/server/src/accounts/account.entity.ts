import { Column, Entity, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';

/** An MSP account: the tenant. Everything an admin sees is scoped to one. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 100, unique: true })
  slug!: string;

  @Column({ name: 'invitation_lifetime_days', type: 'int', default: 7 })
  invitationLifetimeDays!: number;

  /**
   * Re-send a pending, emailed invitation automatically this many days before it expires (a new link with the same
   * expiry, once per invitation); null: no reminders (the default). Optional so code building whole accounts need not name it.
   */
  @Column({ name: 'invitation_reminder_days', type: 'int', nullable: true })
  invitationReminderDays?: number | null;

  /** Who must have a second factor: NONE (the default), ADMINISTRATORS (owners and admins) or EVERYONE. */
  @Column({ name: 'require_mfa', type: 'varchar', length: 16, default: 'NONE' })
  requireMfa?: 'NONE' | 'ADMINISTRATORS' | 'EVERYONE';

  /**
   * Most seats (active users plus pending invitations) the account may use; null: unlimited (the default). Rules in
   * seats.ts. Optional so code building whole accounts need not name it.
   */
  @Column({ name: 'seat_limit', type: 'int', nullable: true })
  seatLimit?: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;
}
