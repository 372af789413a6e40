import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { PersonEntity } from '../accounts/person.entity.js';
import { ACTIVE_SYNC_STATES, SyncRunEntity } from './sync/sync-run.entity.js';

export interface SyncRunLoaders {
  /** The run queued, running or awaiting confirmation, per integration id. */
  activeRun: DataLoader<string, SyncRunEntity | null>;
  /** The newest run, per integration id. */
  lastRun: DataLoader<string, SyncRunEntity | null>;
  /** "Name" or email of a person, per person id. */
  personLabel: DataLoader<string, string | null>;
}

const perRequest = new WeakMap<object, SyncRunLoaders>();

/**
 * Loaders for the integrations list, so a page of integrations with their active and last runs (and who
 * started them) costs a fixed number of queries. One set per request (`owner`) and account.
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
  };
  perRequest.set(owner, loaders);
  return loaders;
}
