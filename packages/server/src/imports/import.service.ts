import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../core/viewer.js';
import type { ImportJobEntity } from './import-job.entity.js';
import { findJob } from './import-jobs.js';
import type { ImportContext, ImportOptions, ImportRowInput, PreviewTotals } from './import-model.js';
import type { ImportMapping } from './mapping.js';
import { cancel } from './cancel.js';
import { createFromCsv, createFromRows } from './preview.js';
import { previewTotals } from './preview-totals.js';
import { remap } from './remap.js';
import { start } from './start.js';

export { MAX_API_ROWS, type ImportOptions, type ImportRowInput, type PreviewTotals } from './import-model.js';

/**
 * Reads files and row lists into import jobs with a verdict per row; nothing touches users until `start`.
 * Each verb lives in its own module (preview.ts, remap.ts, start.ts, preview-totals.ts, with row-writer.ts
 * judging and storing rows); this only binds them to the server's database, upload limit and runner.
 */
export class ImportService {
  private readonly context: ImportContext;

  constructor(
    dataSource: DataSource,
    readonly maxBytes: number,
    onStarted: () => void,
  ) {
    this.context = { dataSource, maxBytes, onStarted };
  }

  createFromCsv(viewer: Viewer, source: Readable, fileName: string | null): Promise<ImportJobEntity> {
    return createFromCsv(this.context, viewer, source, fileName);
  }

  /** The same preview for third parties sending rows as JSON. */
  createFromRows(viewer: Viewer, rows: ImportRowInput[], name: string | null): Promise<ImportJobEntity> {
    return createFromRows(this.context, viewer, rows, name);
  }

  /** Changes which column is which (or whether the first row is a header) and recomputes every verdict. */
  remap(
    viewer: Viewer,
    jobId: string,
    given: Omit<ImportMapping, 'jobTitle'> & { jobTitle?: number | null },
    hasHeader: boolean,
  ): Promise<ImportJobEntity> {
    return remap(this.context.dataSource, viewer, jobId, given, hasHeader);
  }

  /** Starts the background import of a previewed job. */
  start(viewer: Viewer, jobId: string, options: ImportOptions): Promise<ImportJobEntity> {
    return start(this.context, viewer, jobId, options);
  }

  /** Stops a running import; what it imported stays. */
  cancel(viewer: Viewer, jobId: string): Promise<ImportJobEntity> {
    return cancel(this.context.dataSource, viewer, jobId);
  }

  find(accountId: string, jobId: string): Promise<ImportJobEntity> {
    return findJob(this.context.dataSource, accountId, jobId);
  }

  totals(job: ImportJobEntity): Promise<PreviewTotals> {
    return previewTotals(this.context.dataSource, job);
  }
}
