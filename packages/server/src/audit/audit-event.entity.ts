import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { utcDate } from '../core/db/columns.js';

/** Who did what to whom, when: written in the same transaction as the change it records. */
@Entity({ name: 'audit_events' })
@Index('ix_audit_account_time', ['accountId', 'createdAt'])
// "Everything that happened to this user" in the audit log: the target filter reads just those rows.
@Index('ix_audit_account_target', ['accountId', 'targetId', 'createdAt'])
// The log's other filters and its search, each walked newest first without sorting (audit-log-query.ts).
@Index('ix_audit_account_actor_time', ['accountId', 'actorId', 'createdAt'])
@Index('ix_audit_account_action_actor_time', ['accountId', 'action', 'actorType', 'createdAt'])
@Index('ix_audit_account_actor_type_time', ['accountId', 'actorType', 'createdAt'])
@Index('ix_audit_account_email_time', ['accountId', 'targetEmail', 'createdAt'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** PERSON, API_KEY, SCIM, INTEGRATION or SYSTEM. */
  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType!: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true })
  actorId!: string | null;

  /** e.g. user.invited, user.reinvited, user.uninvited, user.accepted, email.bounced. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 36, nullable: true })
  targetId!: string | null;

  @Column({ name: 'target_email', type: 'varchar', length: 320, nullable: true })
  targetEmail!: string | null;

  @Column({ type: 'text', nullable: true })
  details!: string | null;

  /** The caller's IP address, for changes made through the API (null for workers, syncs and the system). */
  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
