import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { ImportJobEntity } from './import-job.entity.js';
import { jobForChange } from './import-jobs.js';
import { CHUNK } from './import-model.js';
import { ImportRowEntity } from './import-row.entity.js';
import type { ImportMapping } from './mapping.js';
import { rowWriter } from './row-writer.js';

/** Changes which column is which (or whether the first row is a header) and recomputes every verdict. */
export async function remap(
  dataSource: DataSource,
  viewer: Viewer,
  jobId: string,
  given: Omit<ImportMapping, 'jobTitle'> & { jobTitle?: number | null },
  hasHeader: boolean,
): Promise<ImportJobEntity> {
  const job = await jobForChange(dataSource, viewer, jobId);
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
  const writer = rowWriter(dataSource, viewer, job, mapping, true);
  // Re-read every stored record in order and write it back with its new verdict.
  const all = dataSource.getRepository(ImportRowEntity);
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
  await dataSource.getRepository(ImportJobEntity).save(job);
  return job;
}
