import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { utcDate } from '../core/db/columns.js';

/**
 * An HTTPS URL of a third party that receives signed POSTs for the events it subscribed to. The signing
 * secret must be readable to sign, so it is stored sealed (AES-256-GCM, bound to the endpoint id) rather than
 * hashed; it is shown to the admin once, at creation and when rolled.
 */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_account', ['accountId', 'createdAt', 'id'])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ type: 'varchar', length: 2000 })
  url!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** Space-separated event types, e.g. `user.invited user.accepted`. */
  @Column({ type: 'varchar', length: 1000 })
  events!: string;

  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret!: string;

  /** The secret's first characters, so an admin can tell which secret a receiver holds. */
  @Column({ name: 'secret_prefix', type: 'varchar', length: 16 })
  secretPrefix!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'created_by_person_id', type: 'varchar', length: 36, nullable: true })
  createdByPersonId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3, transformer: utcDate })
  updatedAt!: Date;

  @Column({ name: 'secret_rolled_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  secretRolledAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => PersonEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_person_id' })
  createdBy?: PersonEntity;
}
