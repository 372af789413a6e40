import { In, type DataSource, type EntityManager } from 'typeorm';
import { UserStatus } from '../accounts/index.js';
import { bulkInsert } from '../core/db/bulk-insert.js';
import { inTransaction } from '../core/db/transaction.js';
import type { Viewer } from '../core/viewer.js';
import { yieldToEventLoop } from '../core/workers/event-loop.js';
import type { CsvRecord, CsvSkip } from './csv-reader.js';
import { accountMembers } from './existing-members.js';
import type { ImportJobEntity } from './import-job.entity.js';
import { CHUNK } from './import-model.js';
import { IMPORT_ROW_COLUMNS, IMPORT_ROW_NULL_DEFAULTS, ImportRowEntity, importRowValues } from './import-row.entity.js';
import { evaluateRow, type ImportMapping, type RowVerdict } from './mapping.js';

const MAX_ROW_JSON = 60_000;
/** A cell is stored cut to this many characters (a longer one makes its row invalid). */
const MAX_CELL_STORED = 2000;
/**
 * Chunks being written while the next one is read: two, so the database stores one chunk while it looks up
 * the users of the next (on SQLite, whose one connection takes transactions in turn, they simply queue).
 */
const WRITES_IN_FLIGHT = 2;
/** Cells of a chunk written by one statement at most. */
const ONE_STATEMENT_CHARS = 2_000_000;

export interface RowWriter {
  readonly dataRows: number;
  add(record: CsvRecord | CsvSkip, rowIndex?: number): Promise<void>;
  /** Records that follow the last one added, in file order (one await for many records). */
  addBatch(records: ReadonlyArray<CsvRecord | CsvSkip>): Promise<void>;
  /** Writes what is left and waits until every chunk is stored. */
  flush(): Promise<void>;
  /** Waits for a write in flight, ignoring its failure (before undoing a rejected file). */
  settle(): Promise<void>;
}

/**
 * Writes records with their verdicts in chunks: duplicates across the whole file (emails compared in
 * lower case) and existing users of the account are found chunk by chunk, so memory stays bounded.
 * A full chunk is written while the next one is read and judged (at most WRITES_IN_FLIGHT writes in flight),
 * so the parser and the database work at the same time; `flush` writes the rest and waits for every write.
 */
export function rowWriter(
  dataSource: DataSource,
  viewer: Viewer,
  job: ImportJobEntity,
  mapping: ImportMapping,
  replacing = false,
): RowWriter {
  const seen = new Set<string>();
  const membersOf = accountMembers(dataSource.manager, job.accountId);
  const pending: Array<{ record: CsvRecord | CsvSkip; rowIndex: number }> = [];
  let nextIndex = 0;
  const state = { dataRows: 0 };

  const inFlight: Array<Promise<void>> = [];
  let failure: unknown = null;
  /** Waits until at most `keep` writes are in flight; a failure is thrown here, by the next caller, never left unhandled. */
  const drain = async (keep: number) => {
    while (inFlight.length > keep) await inFlight.shift();
    if (failure) {
      const error = failure;
      failure = null;
      throw error;
    }
  };

  /** The row to store for a record: its cells as JSON and its verdict from the row alone and the file so far. */
  const judge = ({ record, rowIndex }: { record: CsvRecord | CsvSkip; rowIndex: number }): ImportRowEntity => {
    if (!('cells' in record)) {
      return blankRow(job, rowIndex, record.line, '[]', 'INVALID', `Line ${record.line}: ${record.reason}`);
    }
    const { cells, line } = record;
    if (rowIndex === 0 && job.hasHeader) return blankRow(job, rowIndex, line, JSON.stringify(cells.slice(0, 100)), 'HEADER', null);
    let cellsJson = JSON.stringify(cells.some((c) => c.length > MAX_CELL_STORED) ? cells.map((c) => c.slice(0, MAX_CELL_STORED)) : cells);
    const evaluated = evaluateRow(cells, line, mapping, viewer.role);
    let verdict: RowVerdict = evaluated.verdict;
    let reason = evaluated.reason;
    if (cellsJson.length > MAX_ROW_JSON) {
      cellsJson = JSON.stringify(cells.slice(0, 5).map((c) => c.slice(0, 1000)));
      verdict = 'INVALID';
      reason = `Line ${line}: the row is too long to import.`;
    }
    if (verdict === 'NEW' && evaluated.email) {
      const known = seen.size;
      seen.add(evaluated.email);
      if (seen.size === known) {
        verdict = 'DUPLICATE';
        reason = `Line ${line}: ${evaluated.email} appears earlier in the file.`;
      }
    }
    const row = blankRow(job, rowIndex, line, cellsJson, verdict, reason);
    row.email = evaluated.email;
    row.name = evaluated.name;
    row.jobTitle = evaluated.jobTitle;
    row.role = evaluated.role;
    row.company = evaluated.company;
    row.groups = evaluated.groups.length ? JSON.stringify(evaluated.groups) : null;
    return row;
  };

  const write = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    const rows: ImportRowEntity[] = batch.map(judge);
    const fresh = rows.filter((r) => r.verdict === 'NEW').map((r) => r.email!);
    if (fresh.length) {
      const byEmail = await membersOf(fresh);
      for (const row of rows) {
        const member = row.verdict === 'NEW' ? byEmail.get(row.email!) : undefined;
        if (!member) continue;
        row.verdict = member.status === UserStatus.INVITED ? 'ALREADY_INVITED' : 'ALREADY_MEMBER';
        row.reason = member.status === UserStatus.INVITED ? 'Already invited.' : 'Already a member of this account.';
        row.userId = member.id;
      }
    }
    state.dataRows += rows.filter((r) => r.verdict !== 'HEADER').length;
    const values = rows.map(importRowValues);
    // One statement for the chunk when its cells are small, as they nearly always are (a larger one is cut into
    // statements of 500 rows, to stay within the server's packet size).
    const rowsPerStatement = rows.reduce((chars, row) => chars + row.cells.length, 0) < ONE_STATEMENT_CHARS ? CHUNK : 500;
    const insert = { rowsPerStatement, nullDefaults: IMPORT_ROW_NULL_DEFAULTS };
    if (!replacing && dataSource.options.type !== 'better-sqlite3') {
      // New rows of a job nobody started yet, on a pool connection of their own: the statement commits itself, with no
      // START and COMMIT round trips (a chunk that failed half-way is no worse than one that failed between chunks).
      // SQLite's one connection may be inside another transaction: there the chunk takes its turn, as every write does.
      await bulkInsert(dataSource.manager, 'import_rows', IMPORT_ROW_COLUMNS, values, insert);
      return;
    }
    await inTransaction(dataSource, async (manager: EntityManager) => {
      if (replacing) await manager.delete(ImportRowEntity, { jobId: job.id, rowIndex: In(rows.map((r) => r.rowIndex)) });
      await bulkInsert(manager, 'import_rows', IMPORT_ROW_COLUMNS, values, insert);
    });
  };

  /** Writes the full chunk while the caller reads on, once fewer than WRITES_IN_FLIGHT writes are under way. */
  const startWrite = async () => {
    await drain(WRITES_IN_FLIGHT - 1);
    inFlight.push(
      write().catch((error: unknown) => {
        failure ??= error;
      }),
    );
    await yieldToEventLoop();
  };

  return {
    get dataRows() {
      return state.dataRows;
    },
    async add(record: CsvRecord | CsvSkip, rowIndex?: number) {
      pending.push({ record, rowIndex: rowIndex ?? nextIndex });
      nextIndex = (rowIndex ?? nextIndex) + 1;
      if (pending.length >= CHUNK) await startWrite();
    },
    async addBatch(records: ReadonlyArray<CsvRecord | CsvSkip>) {
      for (const record of records) {
        pending.push({ record, rowIndex: nextIndex++ });
        if (pending.length >= CHUNK) await startWrite();
      }
    },
    async flush() {
      await drain(0);
      await write();
    },
    async settle() {
      await Promise.all(inFlight.splice(0));
      failure = null;
    },
  };
}

function blankRow(
  job: { id: string; accountId: string },
  rowIndex: number,
  line: number,
  cells: string,
  verdict: RowVerdict,
  reason: string | null,
): ImportRowEntity {
  return {
    jobId: job.id,
    accountId: job.accountId,
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
