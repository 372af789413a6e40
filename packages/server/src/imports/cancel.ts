import type { DataSource } from 'typeorm';
import { assertMayGrant, rolePlural } from '../accounts/index.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { recordAudit } from '../audit/index.js';
import { inTransaction } from '../core/db/transaction.js';
import { badInput, notFound } from '../core/errors.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import type { ImportOptions } from './import-model.js';

/** Why a job in this state cannot be cancelled. */
const NOT_RUNNING: Record<Exclude<ImportJobState, ImportJobState.RUNNING>, string> = {
  PREVIEW: 'This import has not started; there is nothing to cancel.',
  REJECTED: 'This file could not be read; there is nothing to cancel.',
  FINISHED: 'This import has already finished.',
  CANCELLED: 'This import was already cancelled.',
  EXPIRED: 'This preview expired; there is nothing to cancel.',
};

/**
 * Stops a running import. The rows imported so far stay (each batch commits on its own); the runner notices
 * between batches, and a batch in flight is rolled back, since its writes require the job to be RUNNING. The
 * job keeps where it stopped ("Cancelled by Ann after 1,200 of 5,000 rows.") and can never be started again.
 * The same people may cancel as may start it: an administrator, who may grant the import's default role.
 */
export async function cancel(dataSource: DataSource, viewer: Viewer, jobId: string): Promise<ImportJobEntity> {
  const job = await dataSource.getRepository(ImportJobEntity).findOneBy({ id: jobId, accountId: viewer.accountId });
  if (!job) throw notFound('Import', 'input.jobId');
  if (job.state !== ImportJobState.RUNNING) throw badInput('input.jobId', NOT_RUNNING[job.state]);
  const options = JSON.parse(job.options ?? '{}') as Partial<ImportOptions>;
  if (options.defaultRole)
    assertMayGrant(viewer.role, options.defaultRole, `cancel an import of ${rolePlural(options.defaultRole)}`, 'input.jobId');
  const member = await dataSource.getRepository(MembershipEntity).findOneBy({ id: viewer.membershipId });
  const who = viewer.apiKey ? 'an API key' : (member?.name ?? member?.email ?? 'an administrator');

  return inTransaction(dataSource, async (manager) => {
    // Conditional on RUNNING: of a cancel and the job's last batch, only one wins. On MariaDB this waits for a
    // batch in flight to commit, so the count read next is what was really written.
    const stopped = await manager.update(
      ImportJobEntity,
      { id: job.id, state: ImportJobState.RUNNING },
      { state: ImportJobState.CANCELLED, finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    );
    if (!stopped.affected) throw badInput('input.jobId', 'This import is no longer running.');
    const current = await manager.findOneByOrFail(ImportJobEntity, { id: job.id });
    current.error = `Cancelled by ${who} after ${current.processedRows.toLocaleString('en')} of ${current.totalRows.toLocaleString('en')} rows.`;
    await manager.update(ImportJobEntity, { id: job.id }, { error: current.error });
    await recordAudit(manager, job.accountId, actorOf(viewer), [
      {
        action: 'import.cancelled',
        targetId: job.id,
        details: {
          fileName: job.fileName,
          processedRows: current.processedRows,
          totalRows: current.totalRows,
          outcomes: JSON.parse(current.outcomes ?? '{}'),
        },
      },
    ]);
    return current;
  });
}
