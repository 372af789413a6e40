import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { LeaseOwnerColumn, LeaseUntilColumn } from '../core/db/lease-columns.js';
import { AccountEntity } from '../accounts/account.entity.js';
import { utcDate } from '../core/db/columns.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

export enum WebhookDeliveryState {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}

/**
 * One event to POST to one endpoint, written in the same transaction as the change it reports (so a restart
 * loses nothing), then claimed by a worker with a lease and retried with backoff until a 2xx or the last attempt.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('ix_webhook_deliveries_due', ['state', 'nextAttemptAt'])
@Index('ix_webhook_deliveries_endpoint', ['endpointId', 'createdAt', 'id'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 36 })
  endpointId!: string;

  /** The event's id (its audit event, or the test delivery): the same for retries and re-deliveries, so receivers can drop repeats. */
  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** The exact JSON body POSTed (and signed). */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: WebhookDeliveryState;

  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, transformer: utcDate })
  nextAttemptAt!: Date;

  @LeaseOwnerColumn()
  leaseOwner!: string | null;

  @LeaseUntilColumn()
  leaseUntil!: Date | null;

  /** HTTP status of the last attempt; null when no answer came (timeout, refused, blocked address). */
  @Column({ name: 'response_status', type: 'int', nullable: true })
  responseStatus!: number | null;

  /** The first characters of the last answer's body. */
  @Column({ name: 'response_body', type: 'varchar', length: 1000, nullable: true })
  responseBody!: string | null;

  @Column({ name: 'duration_ms', type: 'int', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'last_attempt_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  deliveredAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => WebhookEndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: WebhookEndpointEntity;
}
