import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { LeaseOwnerColumn, LeaseUntilColumn, TimestampColumn } from '../core/db/lease-columns.js';
import { AccountEntity } from '../accounts/account.entity.js';

export enum ImportJobState {
  /** Parsed; verdicts shown; nothing written to users yet. */
  PREVIEW = 'PREVIEW',
  /** The file could not be read at all (empty, not CSV, no email column...); `error` says why. */
  REJECTED = 'REJECTED',
  RUNNING = 'RUNNING',
  FINISHED = 'FINISHED',
  /** Stopped by an admin between batches; the rows written stay, `error` says who stopped it and where. */
  CANCELLED = 'CANCELLED',
  /** A preview left unstarted for a day: its rows were removed (see preview-sweeper.ts). */
  EXPIRED = 'EXPIRED',
}

/**
 * One import: the uploaded file's rows live in import_rows; this holds the mapping, the options, the
 * progress and a lease, so a job whose server died is resumed by another (or the restarted) one.
 */
@Entity({ name: 'import_jobs' })
@Index('ix_import_jobs_account', ['accountId', 'createdAt'])
@Index('ix_import_jobs_state', ['state', 'leaseUntil'])
export class ImportJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'created_by_person_id', type: 'varchar', length: 36, nullable: true })
  createdByPersonId!: string | null;

  /** FILE (CSV upload) or API (rows given as GraphQL input). */
  @Column({ type: 'varchar', length: 8 })
  origin!: string;

  @Column({ name: 'file_name', type: 'varchar', length: 255, nullable: true })
  fileName!: string | null;

  @Column({ name: 'file_bytes', type: 'int', default: 0 })
  fileBytes!: number;

  @Column({ type: 'varchar', length: 16 })
  state!: ImportJobState;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;

  /** `,` `;` or a tab. */
  @Column({ type: 'varchar', length: 4, nullable: true })
  delimiter!: string | null;

  @Column({ name: 'has_header', type: 'boolean', default: false })
  hasHeader!: boolean;

  /** JSON: the file's column titles (or "Column 1"...). */
  @Column({ type: 'text', nullable: true })
  columns!: string | null;

  /** JSON ImportMapping: which column holds email, name, role, company, groups. */
  @Column({ type: 'text', nullable: true })
  mapping!: string | null;

  /** JSON ImportOptions, set when the import starts. */
  @Column({ type: 'text', nullable: true })
  options!: string | null;

  /** The X-Request-Id of the request that started the import: the runner's log lines for it carry the id. */
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId?: string | null;

  @Column({ name: 'total_rows', type: 'int', default: 0 })
  totalRows!: number;

  @Column({ name: 'processed_rows', type: 'int', default: 0 })
  processedRows!: number;

  /** JSON: counts per outcome so far. */
  @Column({ type: 'text', nullable: true })
  outcomes!: string | null;

  @LeaseOwnerColumn()
  leaseOwner!: string | null;

  @LeaseUntilColumn()
  leaseUntil!: Date | null;

  @TimestampColumn('created_at')
  createdAt!: Date;

  @TimestampColumn('started_at', { nullable: true })
  startedAt!: Date | null;

  @TimestampColumn('finished_at', { nullable: true })
  finishedAt!: Date | null;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;
}
