import type { DataSource } from 'typeorm';
import { badInput, notFound } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';

/** An account's import job, or NOT_FOUND. */
export async function findJob(dataSource: DataSource, accountId: string, jobId: string): Promise<ImportJobEntity> {
  const job = await dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId, accountId });
  if (!job) throw notFound('Import', 'id');
  return job;
}

/** The viewer's account's job, refused unless it is still a preview (remapping and starting change only previews). */
export async function jobForChange(dataSource: DataSource, viewer: Viewer, jobId: string): Promise<ImportJobEntity> {
  const job = await dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId, accountId: viewer.accountId });
  if (!job) throw notFound('Import', 'input.jobId');
  if (job.state !== ImportJobState.PREVIEW) throw badInput('input.jobId', NOT_A_PREVIEW[job.state]);
  return job;
}

const NOT_A_PREVIEW: Record<Exclude<ImportJobState, ImportJobState.PREVIEW>, string> = {
  REJECTED: 'This file could not be read; upload it again.',
  RUNNING: 'This import has already been started.',
  FINISHED: 'This import has already been started.',
  CANCELLED: 'This import was cancelled and cannot be started again; download its failed rows and upload them as a new file.',
  EXPIRED: 'This preview expired after a day without being started; upload the file again.',
};
