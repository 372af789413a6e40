import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { PersonEntity } from '../accounts/person.entity.js';
import { ACTIVE_SYNC_STATES, SyncRunEntity } from './sync/sync-run.entity.js';
import { PENDING_ACTIONS, SyncRunItemEntity, type SyncItemAction } from './sync/sync-run-item.entity.js';

export interface SyncRunLoaders {
  /** The run queued, running or awaiting confirmation, per integration id. */
  activeRun: DataLoader<string, SyncRunEntity | null>;
  /** The newest run, per integration id. */
  lastRun: DataLoader<string, SyncRunEntity | null>;
  /** "Name" or email of a person, per person id. */
  personLabel: DataLoader<string, string | null>;
  /** How many items of each pending action a run lists (what a run stopped by the safeguard would do), per run id. */
  pendingItems: DataLoader<string, Partial<Record<SyncItemAction, number>>>;
}

const perRequest = new WeakMap<object, SyncRunLoaders>();

/**
 * Loaders for the integrations list and run history, so a page of integrations with their active and last runs (who
 * started them, what a waiting run would remove) costs a fixed number of queries. One set per request (`owner`) and account.
 */
export function syncRunLoaders(owner: object, dataSource: DataSource, accountId: string): SyncRunLoaders {
  let loaders = perRequest.get(owner);
  if (loaders) return loaders;
  const runs = dataSource.getRepository(SyncRunEntity);
  loaders = {
    activeRun: new DataLoader(async (integrationIds) => {
      const found = await runs.findBy({ accountId, activeKey: In([...integrationIds]), state: In(ACTIVE_SYNC_STATES) });
      const byIntegration = new Map(found.map((run) => [run.integrationId, run]));
      return integrationIds.map((id) => byIntegration.get(id) ?? null);
    }),
    lastRun: new DataLoader(async (integrationIds) => {
      const found = await runs
        .createQueryBuilder('r')
        .where('r.account_id = :accountId AND r.integration_id IN (:...ids)', { accountId, ids: [...integrationIds] })
        .andWhere('r.created_at = (SELECT MAX(r2.created_at) FROM sync_runs r2 WHERE r2.integration_id = r.integration_id)')
        .getMany();
      const byIntegration = new Map<string, SyncRunEntity>();
      // Runs created in the same millisecond: the larger id wins, so the answer is stable.
      for (const run of found) if ((byIntegration.get(run.integrationId)?.id ?? '') < run.id) byIntegration.set(run.integrationId, run);
      return integrationIds.map((id) => byIntegration.get(id) ?? null);
    }),
    personLabel: new DataLoader(async (personIds) => {
      const people = await dataSource
        .getRepository(PersonEntity)
        .find({ where: { id: In([...personIds]) }, select: { id: true, name: true, email: true } });
      const byId = new Map(people.map((p) => [p.id, p.name ?? p.email]));
      return personIds.map((id) => byId.get(id) ?? null);
    }),
    // Not cached: a subscription's context lives as long as its connection, and a run's pending items come and go.
    pendingItems: new DataLoader(
      async (runIds) => {
        const counts = await pendingItemCounts(dataSource, accountId, [...runIds]);
        return runIds.map((id) => counts.get(id) ?? {});
      },
      { cache: false },
    ),
  };
  perRequest.set(owner, loaders);
  return loaders;
}

/** How many items of each pending action (what a run stopped by the safeguard would do) each of these runs lists. */
async function pendingItemCounts(
  dataSource: DataSource,
  accountId: string,
  runIds: string[],
): Promise<Map<string, Partial<Record<SyncItemAction, number>>>> {
  const rows: Array<{ runId: string; action: SyncItemAction; n: number | string }> = await dataSource
    .getRepository(SyncRunItemEntity)
    .createQueryBuilder('i')
    .select(['i.run_id AS runId', 'i.action AS action', 'COUNT(*) AS n'])
    .where('i.account_id = :accountId AND i.run_id IN (:...runIds) AND i.action IN (:...actions)', {
      accountId,
      runIds,
      actions: PENDING_ACTIONS,
    })
    .groupBy('i.run_id')
    .addGroupBy('i.action')
    .getRawMany();
  const byRun = new Map<string, Partial<Record<SyncItemAction, number>>>();
  for (const row of rows) byRun.set(row.runId, { ...byRun.get(row.runId), [row.action]: Number(row.n) });
  return byRun;
}
