import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SyncRunEntity } from './sync-run.entity.js';

export enum SyncItemAction {
  CREATED = 'CREATED',
  LINKED = 'LINKED',
  UPDATED = 'UPDATED',
  SUSPENDED = 'SUSPENDED',
  RESTORED = 'RESTORED',
  KEPT = 'KEPT',
  /** A group deleted because it was deleted upstream (its users stay). */
  DELETED = 'DELETED',
  /** A vault item archived because it is no longer upstream. */
  ARCHIVED = 'ARCHIVED',
  /** Would be suspended; the run waits for an admin's confirmation. */
  PENDING_SUSPENSION = 'PENDING_SUSPENSION',
  /** A group that would be deleted; the run waits for an admin's confirmation. */
  PENDING_DELETION = 'PENDING_DELETION',
  /** A vault item that would be archived; the run waits for an admin's confirmation. */
  PENDING_ARCHIVE = 'PENDING_ARCHIVE',
  SKIPPED = 'SKIPPED',
  FAILED = 'FAILED',
}

/** The items of a run stopped by the mass-removal safeguard: what it would do once confirmed. */
export const PENDING_ACTIONS = [SyncItemAction.PENDING_SUSPENSION, SyncItemAction.PENDING_DELETION, SyncItemAction.PENDING_ARCHIVE];

/**
 * One thing a run did (or, in a dry run, would do) to one upstream object. Unchanged objects are only
 * counted, so a run over a large directory writes items only for what changed.
 */
@Entity({ name: 'sync_run_items' })
// A run's items of one action (e.g. only the FAILED ones), in order (sync/run-items-list.ts).
@Index('ix_sync_run_items_action', ['runId', 'action', 'position'])
export class SyncRunItemEntity {
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 36 })
  runId!: string;

  @PrimaryColumn({ type: 'int' })
  position!: number;

  /** The account of its run, carried so that the table is keyed by account like every other (docs/OPERATIONS.md: sharding). */
  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** USER, GROUP, COMPANY or VAULT_ITEM. */
  @Column({ name: 'resource_type', type: 'varchar', length: 16 })
  resourceType!: string;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  /** The email or name shown for the object. */
  @Column({ type: 'varchar', length: 320 })
  label!: string;

  @Column({ type: 'varchar', length: 24 })
  action!: SyncItemAction;

  /** The membership, group or company concerned, when there is one. */
  @Column({ name: 'local_id', type: 'varchar', length: 36, nullable: true })
  localId!: string | null;

  /** What changed, or why it failed or was skipped. */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  message!: string | null;

  @ManyToOne(() => SyncRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: SyncRunEntity;
}
