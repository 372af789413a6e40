import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ImportJobEntity } from './import-job.entity.js';

/** One data row of an import: its cells as read, its preview verdict, and (once imported) its outcome. */
@Entity({ name: 'import_rows' })
@Index('ix_import_rows_pending', ['jobId', 'outcome', 'rowIndex'])
@Index('ix_import_rows_verdict', ['jobId', 'verdict'])
export class ImportRowEntity {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  jobId!: string;

  /** 0-based position among data rows. */
  @PrimaryColumn({ name: 'row_index', type: 'int' })
  rowIndex!: number;

  /** The account of its import job, carried so that the table is keyed by account like every other (docs/OPERATIONS.md: sharding). */
  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  /** The line of the file where this record starts (1-based, header included), for messages. */
  @Column({ type: 'int' })
  line!: number;

  /** JSON array of the record's cells, each cut at 2,000 characters so a row fits any text column. */
  @Column({ type: 'text' })
  cells!: string;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  @Column({ name: 'job_title', type: 'varchar', length: 120, nullable: true })
  jobTitle!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  role!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  company!: string | null;

  /** JSON array of group names. */
  @Column({ type: 'text', nullable: true })
  groups!: string | null;

  @Column({ type: 'varchar', length: 16 })
  verdict!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: string | null;

  @Column({ name: 'outcome_reason', type: 'varchar', length: 500, nullable: true })
  outcomeReason!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @ManyToOne(() => ImportJobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id' })
  job?: ImportJobEntity;
}

export const IMPORT_ROW_COLUMNS = [
  'job_id',
  'row_index',
  'account_id',
  'line',
  'cells',
  'email',
  'name',
  'job_title',
  'role',
  'company',
  'groups',
  'verdict',
  'reason',
  'outcome',
  'outcome_reason',
  'user_id',
];

/** Columns of IMPORT_ROW_COLUMNS whose default is NULL: a bulk insert leaves them out of a chunk where no row sets them. */
export const IMPORT_ROW_NULL_DEFAULTS = [
  'email',
  'name',
  'job_title',
  'role',
  'company',
  'groups',
  'reason',
  'outcome',
  'outcome_reason',
  'user_id',
];

/** A row in IMPORT_ROW_COLUMNS order, for bulk inserts. */
export function importRowValues(row: ImportRowEntity): unknown[] {
  return [
    row.jobId,
    row.rowIndex,
    row.accountId,
    row.line,
    row.cells,
    row.email,
    row.name,
    row.jobTitle,
    row.role,
    row.company,
    row.groups,
    row.verdict,
    row.reason,
    row.outcome,
    row.outcomeReason,
    row.userId,
  ];
}
