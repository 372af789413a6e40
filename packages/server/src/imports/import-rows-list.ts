import type { DataSource } from 'typeorm';
import { countUpTo, dialectOf } from '../core/lists/capped-count.js';
import { toPageRequest, type Connection, type PageArgs } from '../core/lists/connection.js';
import type { RawKeysetQuery } from '../core/lists/keyset.js';
import { readKeysetUnion } from '../core/lists/keyset-union.js';
import type { ImportRow, ImportRowOutcome, ImportRowVerdict } from './import.types.js';

const COLUMNS = [
  'r.row_index AS id',
  'r.line AS line',
  'r.cells AS cells',
  'r.email AS email',
  'r.name AS name',
  'r.role AS role',
  'r.company AS company',
  'r.groups AS groups_json',
  'r.verdict AS verdict',
  'r.reason AS reason',
  'r.outcome AS outcome',
  'r.outcome_reason AS outcome_reason',
  'r.user_id AS user_id',
].join(', ');

interface RowOfList {
  id: string;
  line: number | string;
  cells: string;
  email: string | null;
  name: string | null;
  role: string | null;
  company: string | null;
  groups_json: string | null;
  verdict: string;
  reason: string | null;
  outcome: string | null;
  outcome_reason: string | null;
  user_id: string | null;
}

/**
 * An import's rows in file order, each filter walked in that order through an index of import_rows: the primary key
 * (job, row) for all rows, ix_import_rows_verdict (job, verdict, then the row by the primary key) for a verdict, and
 * ix_import_rows_pending (job, outcome, row) for each outcome asked for (merged: keyset-union.ts). A page reads about a
 * page of rows however large the import; the count stops at COUNT_CAP.
 */
export async function listImportRows(
  dataSource: DataSource,
  jobId: string,
  page: PageArgs | undefined,
  verdict: ImportRowVerdict | undefined,
  outcomes: ImportRowOutcome[] | undefined,
): Promise<Connection<ImportRow>> {
  const request = toPageRequest(page, 'LINE:ASC');
  const mysql = dialectOf(dataSource) === 'mysql';
  const from = (index: string) => (mysql ? `import_rows r FORCE INDEX (${index})` : 'import_rows r');
  const where = ['r.job_id = ?', "r.verdict <> 'HEADER'"];
  const params: unknown[] = [jobId];
  if (verdict) {
    where.push('r.verdict = ?');
    params.push(verdict);
  }
  const branches: RawKeysetQuery[] = outcomes
    ? [...new Set(outcomes)].map((outcome) => ({
        select: COLUMNS,
        from: from('ix_import_rows_pending'),
        where: [...where, 'r.outcome = ?'],
        params: [...params, outcome],
      }))
    : [{ select: COLUMNS, from: from(verdict ? 'ix_import_rows_verdict' : 'PRIMARY'), where, params }];
  const [result, totalCount] = await Promise.all([
    readKeysetUnion<RowOfList, ImportRow>(dataSource, branches, {
      sortKey: 'r.row_index',
      idColumn: 'r.row_index',
      ascending: true,
      request,
      orderName: 'LINE:ASC',
      toNode: toImportRow,
    }),
    // Counted without the page's index hint: MariaDB counts from a secondary index, smaller than the rows themselves.
    countUpTo(
      dataSource,
      branches.map((branch) => ({ ...branch, from: 'import_rows r' })),
    ),
  ]);
  return { ...result, totalCount };
}

function toImportRow(row: RowOfList): ImportRow {
  return {
    line: Number(row.line),
    cells: JSON.parse(row.cells),
    email: row.email,
    name: row.name,
    role: row.role as ImportRow['role'],
    company: row.company,
    groups: row.groups_json ? JSON.parse(row.groups_json) : [],
    verdict: row.verdict as ImportRowVerdict,
    reason: row.reason,
    outcome: row.outcome as ImportRow['outcome'],
    outcomeReason: row.outcome_reason,
    userId: row.user_id,
  };
}
