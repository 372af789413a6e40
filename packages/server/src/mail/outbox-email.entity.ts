import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { LeaseOwnerColumn, LeaseUntilColumn } from '../core/db/lease-columns.js';
import { AccountEntity } from '../accounts/account.entity.js';
import { utcDate } from '../core/db/columns.js';

export enum OutboxState {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
}

/**
 * An email waiting to be sent, written in the same transaction as what caused it. A worker claims rows
 * with a lease; a row whose lease ran out (its worker died) is claimed again with the same batch key, so
 * Resend's idempotency answers the repeat instead of sending twice.
 */
@Entity({ name: 'outbox_emails' })
@Index('ix_outbox_due', ['state', 'nextAttemptAt'])
@Index('ix_outbox_lease', ['leaseOwner'])
@Index('ix_outbox_provider', ['providerMessageId'])
@Index('ix_outbox_invitation', ['invitationId'])
@Index('ix_outbox_batch', ['batchKey'])
export class OutboxEmailEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'invitation_id', type: 'varchar', length: 36, nullable: true })
  invitationId!: string | null;

  @Column({ name: 'to_address', type: 'varchar', length: 320 })
  toAddress!: string;

  @Column({ type: 'varchar', length: 500 })
  subject!: string;

  /** Holds the accept link until delivered to Resend, then is scrubbed (the dev mailbox keeps it). */
  @Column({ type: 'text', nullable: true })
  html!: string | null;

  @Column({ name: 'text_body', type: 'text', nullable: true })
  textBody!: string | null;

  /** The link the email carries, for the dev mailbox page; scrubbed like the body. */
  @Column({ name: 'action_url', type: 'varchar', length: 1000, nullable: true })
  actionUrl!: string | null;

  @Column({ type: 'varchar', length: 16 })
  state!: OutboxState;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** When the first send of this email was tried: transient failures are retried until a day after it. */
  @Column({ name: 'first_attempt_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  firstAttemptAt!: Date | null;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, transformer: utcDate })
  nextAttemptAt!: Date;

  @LeaseOwnerColumn()
  leaseOwner!: string | null;

  @LeaseUntilColumn()
  leaseUntil!: Date | null;

  /** Idempotency key of the Resend call that carries this email (one email or one batch). */
  @Column({ name: 'batch_key', type: 'varchar', length: 64, nullable: true })
  batchKey!: string | null;

  /** `resend` or `dev-mailbox`. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  transport!: string | null;

  @Column({ name: 'provider_message_id', type: 'varchar', length: 100, nullable: true })
  providerMessageId!: string | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  sentAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
