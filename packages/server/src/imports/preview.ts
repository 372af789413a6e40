import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import { newId } from '../core/db/columns.js';
import type { Viewer } from '../core/viewer.js';
import { CsvFileError, openCsv, type CsvBatch, type CsvRecord } from './csv-reader.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { MAX_API_ROWS, type ImportContext, type ImportRowInput } from './import-model.js';
import { ImportRowEntity } from './import-row.entity.js';
import { EMPTY_MAPPING, guessMapping, mappingFromHeader, type ImportMapping } from './mapping.js';
import { rowWriter, type RowWriter } from './row-writer.js';

/** Records read before choosing the mapping (header or guessed) and the number of columns. */
const SAMPLE = 20;

/** Reads a CSV file into a new preview job with a verdict per row; a file that cannot be read leaves a REJECTED job. */
export async function createFromCsv(
  context: ImportContext,
  viewer: Viewer,
  source: Readable,
  fileName: string | null,
): Promise<ImportJobEntity> {
  const { dataSource } = context;
  const job = await newJob(dataSource, viewer, 'FILE', fileName);
  let writer: RowWriter | null = null;
  let batches: AsyncGenerator<CsvBatch> | null = null;
  try {
    const csv = await openCsv(source, { maxBytes: context.maxBytes });
    const { delimiter, bytesRead } = csv;
    batches = csv.batches;
    const buffered: CsvBatch = [];
    const isData = (r: CsvBatch[number]): r is CsvRecord => 'cells' in r;
    while (buffered.filter(isData).length < SAMPLE) {
      const next = await batches.next();
      if (next.done) break;
      buffered.push(...next.value);
    }
    const dataRecords = buffered.filter(isData).slice(0, SAMPLE);
    if (dataRecords.length === 0) throw new CsvFileError('EMPTY_FILE', 'The file holds no rows.');
    const header = mappingFromHeader(dataRecords[0]!.cells);
    const mapping = withEmailColumn(header ?? guessMapping(dataRecords.map((r) => r.cells)), dataRecords, header !== null);
    const width = Math.min(100, Math.max(...dataRecords.map((r) => r.cells.length)));
    job.delimiter = delimiter;
    job.hasHeader = header !== null;
    job.columns = JSON.stringify(
      Array.from({ length: width }, (_, i) =>
        header ? dataRecords[0]!.cells[i]?.trim().slice(0, 100) || `Column ${i + 1}` : `Column ${i + 1}`,
      ),
    );
    job.mapping = JSON.stringify(mapping);
    writer = rowWriter(dataSource, viewer, job, mapping);
    await writer.addBatch(buffered);
    for await (const batch of batches) await writer.addBatch(batch);
    await writer.flush();
    job.fileBytes = bytesRead();
    job.totalRows = writer.dataRows;
  } catch (error) {
    if (!(error instanceof CsvFileError)) throw error;
    // A chunk may still be on its way to the database: it lands before the rows are removed, not after.
    await writer?.settle();
    await dataSource.getRepository(ImportRowEntity).delete({ jobId: job.id });
    job.state = ImportJobState.REJECTED;
    job.error = error.message;
    job.totalRows = 0;
  } finally {
    // A file refused before its end (no email column): the reading stops and the file is closed.
    await batches?.return(undefined);
  }
  await dataSource.getRepository(ImportJobEntity).save(job);
  return job;
}

/**
 * A header may name other columns but not the email (e.g. "Name,Contact"): the column whose cells look like
 * addresses is the email then. A file where no column holds an address is refused as a whole, with one message,
 * instead of every row being called invalid.
 */
function withEmailColumn(mapping: ImportMapping, sample: CsvRecord[], hasHeader: boolean): ImportMapping {
  if (mapping.email !== null) return mapping;
  const rows = (hasHeader ? sample.slice(1) : sample).map((r) => r.cells);
  const guessed = guessMapping(rows).email;
  if (guessed === null) {
    const titles = hasHeader ? sample[0]!.cells.map((c) => c.trim()).filter(Boolean) : [];
    const named = titles.length
      ? `the columns are ${titles
          .slice(0, 6)
          .map((t) => `"${t.slice(0, 40)}"`)
          .join(', ')}${titles.length > 6 ? ', …' : ''}, and `
      : '';
    throw new CsvFileError(
      'NO_EMAIL_COLUMN',
      `No column holds email addresses: ${named}${rows.length === 0 ? 'no row follows the header' : countRows(rows.length)}. ` +
        'Add a column of email addresses (headed "email") and upload the file again.',
    );
  }
  const cleared = Object.fromEntries(Object.entries(mapping).map(([field, column]) => [field, column === guessed ? null : column]));
  return { ...(cleared as unknown as ImportMapping), email: guessed };
}

const countRows = (n: number) =>
  n === 1 ? 'its one row holds no address' : `none of the first ${n.toLocaleString('en')} rows holds an address`;

/** The same preview for third parties sending rows as JSON. */
export async function createFromRows(
  context: ImportContext,
  viewer: Viewer,
  rows: ImportRowInput[],
  name: string | null,
): Promise<ImportJobEntity> {
  const { dataSource } = context;
  if (rows.length === 0) throw badInput('input.rows', 'Give at least one row.');
  if (rows.length > MAX_API_ROWS)
    throw badInput('input.rows', `Give at most ${MAX_API_ROWS.toLocaleString('en')} rows per request; upload a CSV file for more.`);
  const job = await newJob(dataSource, viewer, 'API', name);
  const mapping: ImportMapping = { ...EMPTY_MAPPING, email: 0, name: 1, role: 2, company: 3, groups: 4, jobTitle: 5 };
  job.columns = JSON.stringify(['email', 'name', 'role', 'company', 'groups', 'jobTitle']);
  job.mapping = JSON.stringify(mapping);
  const writer = rowWriter(dataSource, viewer, job, mapping);
  for (const [index, row] of rows.entries()) {
    await writer.add({
      line: index + 1,
      cells: [row.email ?? '', row.name ?? '', row.role ?? '', row.company ?? '', (row.groups ?? []).join(';'), row.jobTitle ?? ''],
    });
  }
  await writer.flush();
  job.totalRows = writer.dataRows;
  await dataSource.getRepository(ImportJobEntity).save(job);
  return job;
}

async function newJob(dataSource: DataSource, viewer: Viewer, origin: 'FILE' | 'API', fileName: string | null): Promise<ImportJobEntity> {
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
  await dataSource.getRepository(ImportJobEntity).insert(job);
  return job;
}
