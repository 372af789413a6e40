import type { Readable } from 'node:stream';
import { DataSource, In, type EntityManager } from 'typeorm';
import { assertMayGrant, grantableRoles, grantRefusalError, refusalToGrant, rolePlural } from '../accounts/index.js';
import { UserStatus, type Role } from '../accounts/index.js';
import { badInput, notFound } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { newId } from '../core/db/columns.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { GroupEntity } from '../groups/group.entity.js';
import { existingMembers } from './existing-members.js';
import { CsvFileError, openCsv, type CsvRecord, type CsvSkip } from './csv-reader.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { IMPORT_ROW_COLUMNS, ImportRowEntity, importRowValues } from './import-row.entity.js';
import { bulkInsert } from '../core/db/bulk-insert.js';
import { yieldToEventLoop } from '../core/workers/event-loop.js';
import { EMPTY_MAPPING, evaluateRow, guessMapping, mappingFromHeader, type ImportMapping, type RowVerdict } from './mapping.js';

export interface ImportOptions {
  defaultRole: Role;
  sendEmails: boolean;
  /** What to do with company and group names that do not exist yet. */
  unknownCompanies: 'CREATE' | 'SKIP';
  unknownGroups: 'CREATE' | 'SKIP';
}

export interface ImportRowInput {
  email: string;
  name?: string | null;
  role?: string | null;
  company?: string | null;
  groups?: string[] | null;
  jobTitle?: string | null;
}

export interface PreviewTotals {
  total: number;
  byVerdict: Record<Exclude<RowVerdict, 'HEADER'>, number>;
  unknownCompanies: string[];
  unknownGroups: string[];
}

const CHUNK = 1000;
const SAMPLE = 20;
export const MAX_API_ROWS = 10_000;
const MAX_ROW_JSON = 60_000;

/** Reads files and row lists into import jobs with a verdict per row; nothing touches users until `start`. */
export class ImportService {
  constructor(
    private readonly dataSource: DataSource,
    readonly maxBytes: number,
    private readonly onStarted: () => void,
  ) {}

  async createFromCsv(viewer: Viewer, source: Readable, fileName: string | null): Promise<ImportJobEntity> {
    const job = await this.newJob(viewer, 'FILE', fileName);
    let writer: RowWriter | null = null;
    try {
      const { delimiter, records, bytesRead } = await openCsv(source, { maxBytes: this.maxBytes });
      const buffered: Array<CsvRecord | CsvSkip> = [];
      for (;;) {
        if (buffered.filter((r) => 'cells' in r).length >= SAMPLE) break;
        const next = await records.next();
        if (next.done) break;
        buffered.push(next.value);
      }
      const dataRecords = buffered.filter((r): r is CsvRecord => 'cells' in r);
      if (dataRecords.length === 0) throw new CsvFileError('EMPTY_FILE', 'The file holds no rows.');
      const header = mappingFromHeader(dataRecords[0]!.cells);
      const mapping = header ?? guessMapping(dataRecords.map((r) => r.cells));
      const width = Math.min(100, Math.max(...dataRecords.map((r) => r.cells.length)));
      job.delimiter = delimiter;
      job.hasHeader = header !== null;
      job.columns = JSON.stringify(
        Array.from({ length: width }, (_, i) =>
          header ? dataRecords[0]!.cells[i]?.trim().slice(0, 100) || `Column ${i + 1}` : `Column ${i + 1}`,
        ),
      );
      job.mapping = JSON.stringify(mapping);
      writer = this.rowWriter(viewer, job, mapping);
      for (const record of buffered) await writer.add(record);
      for await (const record of records) await writer.add(record);
      await writer.flush();
      job.fileBytes = bytesRead();
      job.totalRows = writer.dataRows;
    } catch (error) {
      if (!(error instanceof CsvFileError)) throw error;
      // A chunk may still be on its way to the database: it lands before the rows are removed, not after.
      await writer?.settle();
      await this.dataSource.getRepository(ImportRowEntity).delete({ jobId: job.id });
      job.state = ImportJobState.REJECTED;
      job.error = error.message;
      job.totalRows = 0;
    }
    await this.dataSource.getRepository(ImportJobEntity).save(job);
    return job;
  }

  /** The same preview for third parties sending rows as JSON. */
  async createFromRows(viewer: Viewer, rows: ImportRowInput[], name: string | null): Promise<ImportJobEntity> {
    if (rows.length === 0) throw badInput('input.rows', 'Give at least one row.');
    if (rows.length > MAX_API_ROWS)
      throw badInput('input.rows', `Give at most ${MAX_API_ROWS.toLocaleString('en')} rows per request; upload a CSV file for more.`);
    const job = await this.newJob(viewer, 'API', name);
    const mapping: ImportMapping = { ...EMPTY_MAPPING, email: 0, name: 1, role: 2, company: 3, groups: 4, jobTitle: 5 };
    job.columns = JSON.stringify(['email', 'name', 'role', 'company', 'groups', 'jobTitle']);
    job.mapping = JSON.stringify(mapping);
    const writer = this.rowWriter(viewer, job, mapping);
    for (const [index, row] of rows.entries()) {
      await writer.add({
        line: index + 1,
        cells: [row.email ?? '', row.name ?? '', row.role ?? '', row.company ?? '', (row.groups ?? []).join(';'), row.jobTitle ?? ''],
      });
    }
    await writer.flush();
    job.totalRows = writer.dataRows;
    await this.dataSource.getRepository(ImportJobEntity).save(job);
    return job;
  }

  /** Changes which column is which (or whether the first row is a header) and recomputes every verdict. */
  async remap(
    viewer: Viewer,
    jobId: string,
    given: Omit<ImportMapping, 'jobTitle'> & { jobTitle?: number | null },
    hasHeader: boolean,
  ): Promise<ImportJobEntity> {
    const job = await this.jobForChange(viewer, jobId);
    const current = JSON.parse(job.mapping ?? 'null') as Partial<ImportMapping> | null;
    const mapping: ImportMapping = { ...given, jobTitle: given.jobTitle === undefined ? (current?.jobTitle ?? null) : given.jobTitle };
    const width = (JSON.parse(job.columns ?? '[]') as string[]).length;
    for (const [field, column] of Object.entries(mapping)) {
      if (column !== null && (column < 0 || column >= Math.max(width, 1)))
        throw badInput(`input.mapping.${field}`, `Column ${column + 1} does not exist in this file.`);
    }
    if (mapping.email === null) throw badInput('input.mapping.email', 'Choose the column that holds email addresses.');
    job.mapping = JSON.stringify(mapping);
    job.hasHeader = hasHeader;
    const writer = this.rowWriter(viewer, job, mapping, true);
    // Re-read every stored record in order and write it back with its new verdict.
    const all = this.dataSource.getRepository(ImportRowEntity);
    let lastIndex = -1;
    for (;;) {
      const rows = await all
        .createQueryBuilder('r')
        .where('r.job_id = :jobId AND r.row_index > :lastIndex', { jobId: job.id, lastIndex })
        .orderBy('r.row_index', 'ASC')
        .limit(CHUNK)
        .getMany();
      if (rows.length === 0) break;
      lastIndex = rows.at(-1)!.rowIndex;
      for (const row of rows) {
        const unreadable = row.cells === '[]' && row.verdict === 'INVALID';
        await writer.add(
          unreadable
            ? { line: row.line, reason: (row.reason ?? '').replace(/^Line \d+: /, '') }
            : { line: row.line, cells: JSON.parse(row.cells) as string[] },
          row.rowIndex,
        );
      }
      await writer.flush();
    }
    job.totalRows = writer.dataRows;
    await this.dataSource.getRepository(ImportJobEntity).save(job);
    return job;
  }

  /** Starts the background import of a previewed job. */
  async start(viewer: Viewer, jobId: string, options: ImportOptions): Promise<ImportJobEntity> {
    assertMayGrant(viewer.role, options.defaultRole, `import ${rolePlural(options.defaultRole)}`, 'input.defaultRole');
    const job = await this.jobForChange(viewer, jobId);
    await this.assertMayRunRows(viewer, job);
    const mapping = JSON.parse(job.mapping ?? 'null') as ImportMapping | null;
    if (!mapping || mapping.email === null) throw badInput('input.jobId', 'Choose the column that holds email addresses before importing.');
    const now = new Date();
    const started = await this.dataSource
      .getRepository(ImportJobEntity)
      .update(
        { id: job.id, state: ImportJobState.PREVIEW },
        { state: ImportJobState.RUNNING, options: JSON.stringify(options), startedAt: now, processedRows: 0, outcomes: '{}' },
      );
    if (!started.affected) throw badInput('input.jobId', 'This import has already been started.');
    this.onStarted();
    return this.dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id: job.id });
  }

  /**
   * The preview judged each row's role against whoever previewed it; the one who starts the import may be
   * someone else (an administrator starting an owner's preview), so the rows to import are checked again.
   */
  private async assertMayRunRows(viewer: Viewer, job: ImportJobEntity): Promise<void> {
    const allowed = grantableRoles(viewer.role);
    const query = this.dataSource
      .getRepository(ImportRowEntity)
      .createQueryBuilder('r')
      .select('r.role', 'role')
      .where("r.job_id = :jobId AND r.verdict = 'NEW' AND r.role IS NOT NULL", { jobId: job.id });
    if (allowed.length) query.andWhere('r.role NOT IN (:...allowed)', { allowed });
    const above = (await query.limit(1).getRawOne()) as { role: Role } | undefined;
    const refusal = above ? refusalToGrant(viewer.role, above.role) : null;
    if (refusal) throw grantRefusalError(refusal, `import ${rolePlural(above!.role)}; this preview holds some`, 'input.jobId');
  }

  async find(accountId: string, jobId: string): Promise<ImportJobEntity> {
    const job = await this.dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId, accountId });
    if (!job) throw notFound('Import', 'id');
    return job;
  }

  async totals(job: ImportJobEntity): Promise<PreviewTotals> {
    const rows: Array<{ verdict: string; n: string | number }> = await this.dataSource
      .getRepository(ImportRowEntity)
      .createQueryBuilder('r')
      .select(['r.verdict AS verdict', 'COUNT(*) AS n'])
      .where('r.job_id = :jobId', { jobId: job.id })
      .groupBy('r.verdict')
      .getRawMany();
    const byVerdict = { NEW: 0, ALREADY_MEMBER: 0, ALREADY_INVITED: 0, INVALID: 0, DUPLICATE: 0 };
    for (const row of rows) if (row.verdict in byVerdict) byVerdict[row.verdict as keyof typeof byVerdict] = Number(row.n);
    const named: Array<{ company: string | null; groups: string | null }> = await this.dataSource
      .getRepository(ImportRowEntity)
      .createQueryBuilder('r')
      .select(['r.company AS company', 'r.groups AS groups'])
      .where("r.job_id = :jobId AND r.verdict = 'NEW' AND (r.company IS NOT NULL OR r.groups IS NOT NULL)", { jobId: job.id })
      .getRawMany();
    const companyNames = new Map<string, string>();
    const groupNames = new Map<string, string>();
    for (const row of named) {
      if (row.company) companyNames.set(row.company.toLowerCase(), row.company);
      for (const group of row.groups ? (JSON.parse(row.groups) as string[]) : []) groupNames.set(group.toLowerCase(), group);
    }
    const existing = async (entity: typeof CompanyEntity | typeof GroupEntity, names: Map<string, string>) => {
      if (names.size === 0) return [];
      const found = await this.dataSource.getRepository(entity).find({ where: { accountId: job.accountId }, select: { name: true } });
      const known = new Set(found.map((f) => f.name.toLowerCase()));
      return [...names.entries()]
        .filter(([key]) => !known.has(key))
        .map(([, name]) => name)
        .sort();
    };
    return {
      total: Object.values(byVerdict).reduce((a, b) => a + b, 0),
      byVerdict,
      unknownCompanies: await existing(CompanyEntity, companyNames),
      unknownGroups: await existing(GroupEntity, groupNames),
    };
  }

  private async newJob(viewer: Viewer, origin: 'FILE' | 'API', fileName: string | null): Promise<ImportJobEntity> {
    const job: ImportJobEntity = {
      id: newId(),
      accountId: viewer.accountId,
      createdByPersonId: viewer.personId,
      origin,
      fileName: fileName ? fileName.slice(0, 255) : null,
      fileBytes: 0,
      state: ImportJobState.PREVIEW,
      error: null,
      delimiter: null,
      hasHeader: false,
      columns: null,
      mapping: null,
      options: null,
      totalRows: 0,
      processedRows: 0,
      outcomes: null,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    await this.dataSource.getRepository(ImportJobEntity).insert(job);
    return job;
  }

  private async jobForChange(viewer: Viewer, jobId: string): Promise<ImportJobEntity> {
    const job = await this.dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId, accountId: viewer.accountId });
    if (!job) throw notFound('Import', 'input.jobId');
    if (job.state !== ImportJobState.PREVIEW)
      throw badInput(
        'input.jobId',
        job.state === ImportJobState.REJECTED ? 'This file could not be read; upload it again.' : 'This import has already been started.',
      );
    return job;
  }

  /**
   * Writes records with their verdicts in chunks: duplicates across the whole file (emails compared in
   * lower case) and existing users of the account are found chunk by chunk, so memory stays bounded.
   * A full chunk is written while the next one is read and judged (at most one write in flight), so the
   * parser and the database work at the same time; `flush` writes the rest and waits for every write.
   */
  private rowWriter(viewer: Viewer, job: ImportJobEntity, mapping: ImportMapping, replacing = false): RowWriter {
    const seen = new Set<string>();
    const pending: Array<{ record: CsvRecord | CsvSkip; rowIndex: number }> = [];
    let nextIndex = 0;
    const state = { dataRows: 0 };
    const dataSource = this.dataSource;

    let inFlight: Promise<void> | null = null;
    let failure: unknown = null;
    /** Waits for the write in flight; its failure is thrown here, by the next caller, never left unhandled. */
    const drain = async () => {
      await inFlight;
      inFlight = null;
      if (failure) {
        const error = failure;
        failure = null;
        throw error;
      }
    };

    const write = async () => {
      if (pending.length === 0) return;
      const batch = pending.splice(0, pending.length);
      const rows: ImportRowEntity[] = batch.map(({ record, rowIndex }) => {
        if (!('cells' in record)) {
          return blankRow(job.id, rowIndex, record.line, '[]', 'INVALID', `Line ${record.line}: ${record.reason}`);
        }
        if (rowIndex === 0 && job.hasHeader)
          return blankRow(job.id, rowIndex, record.line, JSON.stringify(record.cells.slice(0, 100)), 'HEADER', null);
        let cellsJson = JSON.stringify(record.cells.map((c) => c.slice(0, 2000)));
        const evaluated = evaluateRow(record.cells, record.line, mapping, viewer.role);
        let verdict: RowVerdict = evaluated.verdict;
        let reason = evaluated.reason;
        if (cellsJson.length > MAX_ROW_JSON) {
          cellsJson = JSON.stringify(record.cells.slice(0, 5).map((c) => c.slice(0, 1000)));
          verdict = 'INVALID';
          reason = `Line ${record.line}: the row is too long to import.`;
        }
        if (verdict === 'NEW' && evaluated.email) {
          if (seen.has(evaluated.email)) {
            verdict = 'DUPLICATE';
            reason = `Line ${record.line}: ${evaluated.email} appears earlier in the file.`;
          }
          seen.add(evaluated.email);
        }
        return {
          ...blankRow(job.id, rowIndex, record.line, cellsJson, verdict, reason),
          email: evaluated.email,
          name: evaluated.name,
          jobTitle: evaluated.jobTitle,
          role: evaluated.role,
          company: evaluated.company,
          groups: evaluated.groups.length ? JSON.stringify(evaluated.groups) : null,
        };
      });
      const fresh = rows.filter((r) => r.verdict === 'NEW').map((r) => r.email!);
      if (fresh.length) {
        const byEmail = await existingMembers(dataSource.manager, job.accountId, fresh);
        for (const row of rows) {
          const member = row.verdict === 'NEW' ? byEmail.get(row.email!) : undefined;
          if (!member) continue;
          row.verdict = member.status === UserStatus.INVITED ? 'ALREADY_INVITED' : 'ALREADY_MEMBER';
          row.reason = member.status === UserStatus.INVITED ? 'Already invited.' : 'Already a member of this account.';
          row.userId = member.id;
        }
      }
      state.dataRows += rows.filter((r) => r.verdict !== 'HEADER').length;
      await inTransaction(dataSource, async (manager: EntityManager) => {
        if (replacing) await manager.delete(ImportRowEntity, { jobId: job.id, rowIndex: In(rows.map((r) => r.rowIndex)) });
        await bulkInsert(manager, 'import_rows', IMPORT_ROW_COLUMNS, rows.map(importRowValues));
      });
    };

    return {
      get dataRows() {
        return state.dataRows;
      },
      async add(record: CsvRecord | CsvSkip, rowIndex?: number) {
        pending.push({ record, rowIndex: rowIndex ?? nextIndex });
        nextIndex = (rowIndex ?? nextIndex) + 1;
        if (pending.length >= CHUNK) {
          await drain();
          inFlight = write().catch((error: unknown) => {
            failure = error;
          });
          await yieldToEventLoop();
        }
      },
      async flush() {
        await drain();
        await write();
      },
      async settle() {
        await inFlight;
        inFlight = null;
        failure = null;
      },
    };
  }
}

interface RowWriter {
  readonly dataRows: number;
  add(record: CsvRecord | CsvSkip, rowIndex?: number): Promise<void>;
  /** Writes what is left and waits until every chunk is stored. */
  flush(): Promise<void>;
  /** Waits for a write in flight, ignoring its failure (before undoing a rejected file). */
  settle(): Promise<void>;
}

function blankRow(
  jobId: string,
  rowIndex: number,
  line: number,
  cells: string,
  verdict: RowVerdict,
  reason: string | null,
): ImportRowEntity {
  return {
    jobId,
    rowIndex,
    line,
    cells,
    email: null,
    name: null,
    jobTitle: null,
    role: null,
    company: null,
    groups: null,
    verdict,
    reason,
    outcome: null,
    outcomeReason: null,
    userId: null,
  };
}
