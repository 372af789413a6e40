import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { LeaseOwnerColumn, LeaseUntilColumn, TimestampColumn } from '../../core/db/lease-columns.js';
import { IntegrationEntity } from '../integration.entity.js';

export enum SyncRunState {
  /** Waiting for an engine to pick it up (just started, or handed back after a crash or shutdown). */
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  /** Stopped before suspending more users than the integration's threshold allows; an admin confirms or cancels. */
  AWAITING_CONFIRMATION = 'AWAITING_CONFIRMATION',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export const ACTIVE_SYNC_STATES = [SyncRunState.QUEUED, SyncRunState.RUNNING, SyncRunState.AWAITING_CONFIRMATION];

/** Where a run stands; a resumed run starts again at its stage, from its cursor. */
export enum SyncStage {
  COMPANIES = 'COMPANIES',
  USERS = 'USERS',
  GROUPS = 'GROUPS',
  /** Passwords into the company vault (documentation tools). */
  PASSWORDS = 'PASSWORDS',
  REMOVALS = 'REMOVALS',
  DONE = 'DONE',
}

export enum SyncTrigger {
  MANUAL = 'MANUAL',
  SCHEDULE = 'SCHEDULE',
}

/** What a run did (or, for a dry run, would do), per kind of change. */
export interface SyncCounts {
  created: number;
  linked: number;
  updated: number;
  unchanged: number;
  suspended: number;
  restored: number;
  kept: number;
  skipped: number;
  failed: number;
  /** Groups deleted because they were deleted upstream. */
  deleted: number;
}

export const emptyCounts = (): SyncCounts => ({
  created: 0,
  linked: 0,
  updated: 0,
  unchanged: 0,
  suspended: 0,
  restored: 0,
  kept: 0,
  skipped: 0,
  failed: 0,
  deleted: 0,
});

/**
 * One sync of an integration. `activeKey` holds the integration id while the run is queued, running or
 * awaiting confirmation, and null afterwards: its unique index is the database's guarantee that two runs
 * of one integration never overlap, whichever instance starts them. The lease says which engine works on
 * it; a run whose lease expired is resumed from `stage` and `cursor`.
 */
@Entity({ name: 'sync_runs' })
@Index('uq_sync_runs_active', ['activeKey'], { unique: true })
@Index('ix_sync_runs_integration', ['integrationId', 'createdAt', 'id'])
@Index('ix_sync_runs_state', ['state', 'leaseUntil'])
export class SyncRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'integration_id', type: 'varchar', length: 36 })
  integrationId!: string;

  @Column({ name: 'active_key', type: 'varchar', length: 36, nullable: true })
  activeKey!: string | null;

  @Column({ type: 'varchar', length: 24 })
  state!: SyncRunState;

  @Column({ type: 'varchar', length: 16 })
  stage!: SyncStage;

  /** The connector's resume point inside the stage (e.g. Graph's nextLink); null = the stage's start. */
  @Column({ type: 'text', nullable: true })
  cursor!: string | null;

  @Column({ name: 'dry_run', type: 'boolean', default: false })
  dryRun!: boolean;

  @Column({ type: 'varchar', length: 16 })
  trigger!: SyncTrigger;

  /** Set when an admin confirmed the suspensions that stopped the run. */
  @Column({ name: 'removals_confirmed', type: 'boolean', default: false })
  removalsConfirmed!: boolean;

  /** Users the run would suspend when it stopped for confirmation (or, in a dry run, would have stopped). */
  @Column({ name: 'pending_suspensions', type: 'int', default: 0 })
  pendingSuspensions!: number;

  /**
   * True when the run reads only what changed upstream since the last sync (the integration holds change links and
   * this is not a dry run); false for a full read, and from the moment an expired link made it read everything.
   */
  @Column({ type: 'boolean', default: false })
  incremental?: boolean;

  /** Links for the next run to read changes from, collected as stages end; the integration gets them when the run succeeds (JSON). */
  @Column({ name: 'changes_links', type: 'text', nullable: true })
  changesLinks?: string | null;

  /** Something the admin should know about how the run read upstream, e.g. why it read everything. */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  note?: string | null;

  /** JSON SyncCounts. */
  @Column({ type: 'text' })
  counts!: string;

  /** Items recorded so far; the next item's position. */
  @Column({ name: 'item_count', type: 'int', default: 0 })
  itemCount!: number;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;

  @Column({ name: 'requested_by', type: 'varchar', length: 36, nullable: true })
  requestedBy!: string | null;

  /** The X-Request-Id of the request that queued the run (none for scheduled runs): the engine's log lines for it carry the id. */
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId?: string | null;

  @LeaseOwnerColumn()
  leaseOwner!: string | null;

  @LeaseUntilColumn()
  leaseUntil!: Date | null;

  @TimestampColumn('created_at')
  createdAt!: Date;

  /** When the run first started working; upstream objects not seen since then are missing upstream. */
  @TimestampColumn('started_at', { nullable: true })
  startedAt!: Date | null;

  @TimestampColumn('finished_at', { nullable: true })
  finishedAt!: Date | null;

  @ManyToOne(() => IntegrationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'integration_id' })
  integration?: IntegrationEntity;
}
