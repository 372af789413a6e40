import type { DataSource } from 'typeorm';
import { neutraliseFormula } from '../core/http/csv-cell.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { ImportRowEntity } from './import-row.entity.js';
import type { ImportMapping } from './mapping.js';

/*
 * The two downloads of an import: the result (every row with what the preview said and what the import did),
 * and the failed rows (the rows to fix, in the file's own columns, ready to upload again). Values are the words
 * the page shows ("Already a member"), not enum codes: these files are read by people, in a spreadsheet.
 */

export const VERDICT_LABELS: Record<string, string> = {
  NEW: 'New',
  ALREADY_MEMBER: 'Already a member',
  ALREADY_INVITED: 'Already invited',
  INVALID: 'Invalid',
  DUPLICATE: 'Duplicate',
};

export const OUTCOME_LABELS: Record<string, string> = {
  INVITED: 'Invited',
  ALREADY_MEMBER: 'Already a member',
  ALREADY_INVITED: 'Already invited',
  INVALID: 'Invalid',
  DUPLICATE: 'Duplicate',
  SEAT_LIMIT: 'Seat limit reached',
};

/** A row the import never reached (it was cancelled, or is still running). */
export const NOT_IMPORTED = 'Not imported';

/** As the role column and the page say them; a re-import reads them back (mapping.ts parseRole). */
const ROLE_LABELS: Record<string, string> = { OWNER: 'Owner', ADMIN: 'Administrator', MEMBER: 'Member' };

/**
 * The title of the reason column of the failed rows: a title no header pattern of mapping.ts recognises, so a
 * re-import of the file as it is ignores the column.
 */
export const FAILED_REASON_TITLE = 'Why not imported';

/** One CSV cell: spreadsheet formulas defused, quoted when it holds the delimiter, a quote or a line break. */
function cell(value: string, delimiter = ','): string {
  const safe = neutraliseFormula(value);
  return safe.includes(delimiter) || /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Reads a job's rows in file order, 1,000 at a time. */
async function* rowsOf(dataSource: DataSource, jobId: string): AsyncGenerator<ImportRowEntity[]> {
  let lastIndex = -1;
  for (;;) {
    const rows = await dataSource
      .getRepository(ImportRowEntity)
      .createQueryBuilder('r')
      .where('r.job_id = :jobId AND r.row_index > :lastIndex', { jobId, lastIndex })
      .orderBy('r.row_index', 'ASC')
      .limit(1000)
      .getMany();
    if (rows.length === 0) return;
    lastIndex = rows.at(-1)!.rowIndex;
    yield rows;
  }
}

/** Every data row with its verdict, outcome and reason. */
export async function* resultLines(dataSource: DataSource, job: ImportJobEntity): AsyncGenerator<string> {
  const emailColumn = (JSON.parse(job.mapping ?? '{}') as Partial<ImportMapping>).email ?? null;
  yield '\uFEFF' + ['line', 'email', 'name', 'role', 'company', 'groups', 'verdict', 'outcome', 'reason'].join(',') + '\r\n';
  for await (const rows of rowsOf(dataSource, job.id)) {
    let chunk = '';
    for (const row of rows) {
      if (row.verdict === 'HEADER') continue;
      const cells = JSON.parse(row.cells) as string[];
      const email = row.email ?? (emailColumn === null ? '' : (cells[emailColumn] ?? ''));
      const groups = row.groups ? (JSON.parse(row.groups) as string[]).join(';') : '';
      chunk +=
        [
          String(row.line),
          email,
          row.name ?? '',
          row.role ? (ROLE_LABELS[row.role] ?? row.role) : '',
          row.company ?? '',
          groups,
          VERDICT_LABELS[row.verdict] ?? row.verdict,
          row.outcome ? (OUTCOME_LABELS[row.outcome] ?? row.outcome) : NOT_IMPORTED,
          row.outcomeReason ?? row.reason ?? '',
        ]
          .map((value) => cell(value))
          .join(',') + '\r\n';
    }
    yield chunk;
  }
}

const FIELD_TITLES: Record<keyof ImportMapping, string> = {
  email: 'email',
  name: 'name',
  firstName: 'first name',
  lastName: 'last name',
  jobTitle: 'job title',
  role: 'role',
  company: 'company',
  groups: 'groups',
};

/** Why a row is among the failed rows, or null when it is not one (imported, skipped as existing, or not reached yet). */
function failure(row: ImportRowEntity, cancelled: boolean): string | null {
  if (row.verdict === 'HEADER') return null;
  if (row.outcome === 'INVALID' || row.outcome === 'DUPLICATE' || row.outcome === 'SEAT_LIMIT')
    return row.outcomeReason ?? row.reason ?? OUTCOME_LABELS[row.outcome]!;
  if (row.outcome) return null;
  if (row.verdict === 'INVALID' || row.verdict === 'DUPLICATE') return row.reason ?? VERDICT_LABELS[row.verdict]!;
  return cancelled ? `Line ${row.line}: not imported, the import was cancelled before this row.` : null;
}

/**
 * The rows that were not imported and can be fixed (invalid, duplicate, past the seat limit, and those a cancelled import did not
 * reach), with the file's own header, delimiter and cells, and one more column saying why. Uploaded again as it
 * is, the reason column is ignored and each row gets its verdict afresh. A file without a header gets one named
 * after the mapping (email, name...), so the re-import finds its columns.
 */
export async function* failedRowLines(dataSource: DataSource, job: ImportJobEntity): AsyncGenerator<string> {
  const delimiter = job.delimiter ?? ',';
  const mapping = { ...(JSON.parse(job.mapping ?? '{}') as Partial<ImportMapping>) };
  const titles = JSON.parse(job.columns ?? '[]') as string[];
  const cancelled = job.state === ImportJobState.CANCELLED;
  let header: string[] | null = null;
  let first = true;
  for await (const rows of rowsOf(dataSource, job.id)) {
    if (first) {
      first = false;
      const headerRow = job.hasHeader ? rows.find((r) => r.verdict === 'HEADER') : undefined;
      // Rows wider than the header (a sample's widest row sets the columns) keep their extra cells, under "Column N".
      header = headerRow
        ? titles.map((title, index) => (JSON.parse(headerRow.cells) as string[])[index] ?? title)
        : titles.map((title, index) => {
            const field = (Object.keys(FIELD_TITLES) as Array<keyof ImportMapping>).find((f) => mapping[f] === index);
            return field ? FIELD_TITLES[field] : title;
          });
      yield '\uFEFF' + [...header, FAILED_REASON_TITLE].map((value) => cell(value, delimiter)).join(delimiter) + '\r\n';
    }
    const width = header!.length;
    let chunk = '';
    for (const row of rows) {
      const reason = failure(row, cancelled);
      if (reason === null) continue;
      const cells = (JSON.parse(row.cells) as string[]).slice(0, width);
      while (cells.length < width) cells.push('');
      chunk += [...cells, reason].map((value) => cell(value, delimiter)).join(delimiter) + '\r\n';
    }
    if (chunk) yield chunk;
  }
  if (first) yield '\uFEFF' + [...titles, FAILED_REASON_TITLE].map((value) => cell(value, delimiter)).join(delimiter) + '\r\n';
}
