import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role } from '../core/viewer.js';
import { utcDate } from '../core/db/columns.js';

export enum InvitationState {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  REVOKED = 'REVOKED',
}

/** Why a pending invitation was revoked: by the admin, or replaced by a re-invite. */
export enum RevokeReason {
  UNINVITED = 'UNINVITED',
  REISSUED = 'REISSUED',
}

export enum DeliveryStatus {
  NOT_SENT = 'NOT_SENT',
  QUEUED = 'QUEUED',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  BOUNCED = 'BOUNCED',
  COMPLAINED = 'COMPLAINED',
  FAILED = 'FAILED',
}

/**
 * One invitation link. Its own record, apart from the user's status: a re-invite revokes this one
 * (REISSUED) and creates the next. Only the SHA-256 of the token is stored.
 */
@Entity({ name: 'invitations' })
@Index('ix_invitations_membership', ['membershipId', 'state'])
@Index('ix_invitations_account', ['accountId', 'state'])
@Index('ix_invitations_expiry', ['state', 'expiresAt'])
export class InvitationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** The invited user; null once an un-invited user was removed from the account. */
  @Column({ name: 'membership_id', type: 'varchar', length: 36, nullable: true })
  membershipId!: string | null;

  @Column({ type: 'varchar', length: 320 })
  email!: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: InvitationState;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 16, nullable: true })
  revokeReason!: RevokeReason | null;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** Applied when the invitation is accepted. */
  @Column({ name: 'company_id', type: 'varchar', length: 36, nullable: true })
  companyId!: string | null;

  /** JSON array of group ids, applied when the invitation is accepted. */
  @Column({ name: 'group_ids', type: 'text', nullable: true })
  groupIds!: string | null;

  @Column({ name: 'invited_by_person_id', type: 'varchar', length: 36, nullable: true })
  invitedByPersonId!: string | null;

  @Column({ name: 'send_email', type: 'boolean' })
  sendEmail!: boolean;

  @Column({ name: 'delivery_status', type: 'varchar', length: 16 })
  deliveryStatus!: DeliveryStatus;

  @Column({ name: 'delivery_error', type: 'varchar', length: 500, nullable: true })
  deliveryError!: string | null;

  @Column({ name: 'last_sent_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastSentAt!: Date | null;

  @Column({ name: 'send_count', type: 'int', default: 0 })
  sendCount!: number;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, transformer: utcDate })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'accepted_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  acceptedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  revokedAt!: Date | null;

  /** When the expiry of this (still pending) invitation was recorded in the audit trail and announced. */
  @Column({ name: 'expiry_recorded_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  expiryRecordedAt!: Date | null;

  /**
   * Set on an invitation that is itself an automatic reminder (the re-sent link that replaced an emailed one, same expiry):
   * a chain of links is reminded at most once. Optional so code building whole invitations need not name it.
   */
  @Column({ name: 'reminder_sent_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  reminderSentAt?: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => MembershipEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'membership_id' })
  membership?: MembershipEntity;
}
