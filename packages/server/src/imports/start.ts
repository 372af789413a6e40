import type { DataSource } from 'typeorm';
import { assertMayGrant, grantableRoles, grantRefusalError, refusalToGrant, rolePlural, type Role } from '../accounts/index.js';
import { badInput } from '../core/errors.js';
import { currentRequestId } from '../core/request-scope.js';
import type { Viewer } from '../core/viewer.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import { jobForChange } from './import-jobs.js';
import type { ImportContext, ImportOptions } from './import-model.js';
import { ImportRowEntity } from './import-row.entity.js';
import type { ImportMapping } from './mapping.js';

/** Starts the background import of a previewed job. */
export async function start(context: ImportContext, viewer: Viewer, jobId: string, options: ImportOptions): Promise<ImportJobEntity> {
  const { dataSource } = context;
  assertMayGrant(viewer.role, options.defaultRole, `import ${rolePlural(options.defaultRole)}`, 'input.defaultRole');
  const job = await jobForChange(dataSource, viewer, jobId);
  await assertMayRunRows(dataSource, viewer, job);
  const mapping = JSON.parse(job.mapping ?? 'null') as ImportMapping | null;
  if (!mapping || mapping.email === null) throw badInput('input.jobId', 'Choose the column that holds email addresses before importing.');
  const now = new Date();
  const started = await dataSource.getRepository(ImportJobEntity).update(
    { id: job.id, state: ImportJobState.PREVIEW },
    {
      state: ImportJobState.RUNNING,
      options: JSON.stringify(options),
      startedAt: now,
      processedRows: 0,
      outcomes: '{}',
      // The runner's log lines for the job carry the id of the request that started it.
      requestId: currentRequestId(),
    },
  );
  if (!started.affected) throw badInput('input.jobId', 'This import has already been started.');
  context.onStarted();
  return dataSource.getRepository(ImportJobEntity).findOneByOrFail({ id: job.id });
}

/**
 * The preview judged each row's role against whoever previewed it; the one who starts the import may be
 * someone else (an administrator starting an owner's preview), so the rows to import are checked again.
 */
async function assertMayRunRows(dataSource: DataSource, viewer: Viewer, job: ImportJobEntity): Promise<void> {
  const allowed = grantableRoles(viewer.role);
  const query = dataSource
    .getRepository(ImportRowEntity)
    .createQueryBuilder('r')
    .select('r.role', 'role')
    .where("r.job_id = :jobId AND r.verdict = 'NEW' AND r.role IS NOT NULL", { jobId: job.id });
  if (allowed.length) query.andWhere('r.role NOT IN (:...allowed)', { allowed });
  const above = (await query.limit(1).getRawOne()) as { role: Role } | undefined;
  const refusal = above ? refusalToGrant(viewer.role, above.role) : null;
  if (refusal) throw grantRefusalError(refusal, `import ${rolePlural(above!.role)}; this preview holds some`, 'input.jobId');
}
