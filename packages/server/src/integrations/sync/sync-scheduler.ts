import type { DataSource } from 'typeorm';
import { newId, toSqlDateTime } from '../../core/db/columns.js';
import { isUniqueViolation } from '../../core/db/unique-violation.js';
import { currentRequestId } from '../../core/request-scope.js';
import type { EventBus } from '../../core/events.js';
import { IntegrationEntity } from '../integration.entity.js';
import { IntegrationStatus, IntegrationType } from '../integration-kinds.js';
import { emptyCounts, SyncRunEntity, SyncRunState, SyncStage, SyncTrigger } from './sync-run.entity.js';

/** A run changed: published after commit (the Integrations page refreshes its history from it). */
export const SYNC_EVENT = 'integration.sync' as const;

/** The stage a new run starts at. */
export const FIRST_STAGE = SyncStage.COMPANIES;

/**
 * Queues a run for every integration whose nextSyncAt has come. Moving nextSyncAt forward is a
 * compare-and-set on the old value, so of several instances only one starts each due sync.
 */
export async function startDueSyncs(dataSource: DataSource, events: EventBus, now = new Date()): Promise<number> {
  const repo = dataSource.getRepository(IntegrationEntity);
  const due = await repo
    .createQueryBuilder('i')
    .select(['i.id', 'i.accountId', 'i.nextSyncAt', 'i.syncIntervalMinutes', 'i.type'])
    .where('i.next_sync_at <= :now AND i.status <> :disabled AND i.sync_interval_minutes IS NOT NULL AND i.type <> :scim', {
      now: toSqlDateTime(now),
      disabled: IntegrationStatus.DISABLED,
      scim: IntegrationType.SCIM,
    })
    .limit(50)
    .getMany();
  let started = 0;
  for (const integration of due) {
    const next = new Date(now.getTime() + integration.syncIntervalMinutes! * 60_000);
    const taken = await repo
      .createQueryBuilder()
      .update()
      .set({ nextSyncAt: next })
      .where('id = :id AND next_sync_at = :previous', { id: integration.id, previous: toSqlDateTime(integration.nextSyncAt!) })
      .execute();
    if (!taken.affected) continue;
    const run = await queueRun(dataSource, integration, { dryRun: false, trigger: SyncTrigger.SCHEDULE, requestedBy: null });
    if (run) {
      started++;
      events.publish({ accountId: integration.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
    }
  }
  return started;
}

/**
 * Inserts a queued run, or returns null when the integration already has an active one: the unique index on
 * `active_key` refuses the second insert, on either dialect, whichever instance tries.
 */
export async function queueRun(
  dataSource: DataSource,
  integration: Pick<IntegrationEntity, 'id' | 'accountId'>,
  request: { dryRun: boolean; trigger: SyncTrigger; requestedBy: string | null },
): Promise<SyncRunEntity | null> {
  const run: SyncRunEntity = {
    id: newId(),
    accountId: integration.accountId,
    integrationId: integration.id,
    activeKey: integration.id,
    state: SyncRunState.QUEUED,
    stage: FIRST_STAGE,
    cursor: null,
    dryRun: request.dryRun,
    trigger: request.trigger,
    removalsConfirmed: false,
    pendingSuspensions: 0,
    counts: JSON.stringify(emptyCounts()),
    itemCount: 0,
    error: null,
    requestedBy: request.requestedBy,
    // The request queuing it, if any (a scheduled run has none): the engine's log lines for the run carry it.
    requestId: currentRequestId(),
    leaseOwner: null,
    leaseUntil: null,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
  };
  try {
    await dataSource.getRepository(SyncRunEntity).insert(run);
    return run;
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
