import DataLoader from 'dataloader';
import { Field, ID, ObjectType } from 'type-graphql';
import type { DataSource } from 'typeorm';
import type { UpstreamOwnership } from '../core/upstream-ownership.js';
import { ExternalResourceType, IntegrationType } from './integration-kinds.js';

@ObjectType({ description: 'The integration that brought a user or group in and keeps it in step with upstream.' })
export class ManagingIntegration {
  @Field(() => ID, { description: 'Id of the integration.' })
  id!: string;

  @Field(() => String, { description: 'Its name, as the admin gave it.' })
  name!: string;

  @Field(() => IntegrationType, { description: 'The platform it connects to.' })
  type!: IntegrationType;
}

/** The integrations feature's answer to core's UpstreamOwnership: a group is managed when an integration links it. */
export class IntegrationOwnership implements UpstreamOwnership {
  constructor(private readonly dataSource: DataSource) {}

  async groupManager(accountId: string, groupId: string): Promise<string | null> {
    const manager = await managedByLoader({}, this.dataSource, accountId, ExternalResourceType.GROUP).load(groupId);
    return manager?.name ?? null;
  }
}

type ManagedByLoader = DataLoader<string, ManagingIntegration | null>;

const perRequest = new WeakMap<object, Map<ExternalResourceType, ManagedByLoader>>();

/**
 * Which integration links each user (or group), one query per page of rows. A user linked by two integrations
 * (SCIM and a directory sync, say) is shown as managed by the first that linked it. One set per request (`owner`).
 */
export function managedByLoader(owner: object, dataSource: DataSource, accountId: string, type: ExternalResourceType): ManagedByLoader {
  let byType = perRequest.get(owner);
  if (!byType) perRequest.set(owner, (byType = new Map()));
  let loader = byType.get(type);
  if (!loader) {
    loader = new DataLoader(
      async (localIds) => {
        const rows: Array<{ local_id: string; id: string; name: string; type: IntegrationType }> = await dataSource
          .createQueryBuilder()
          .select(['l.local_id AS local_id', 'g.id AS id', 'g.name AS name', 'g.type AS type'])
          .from('integrations', 'g')
          // From the account's few integrations into their links: the (integration, type, local id) index answers it.
          .innerJoin('external_links', 'l', 'l.integration_id = g.id AND l.resource_type = :type AND l.local_id IN (:...localIds)', {
            type,
            localIds: [...localIds],
          })
          .where('g.account_id = :accountId', { accountId })
          .orderBy('l.created_at', 'ASC')
          .getRawMany();
        const byLocal = new Map<string, ManagingIntegration>();
        for (const row of rows) if (!byLocal.has(row.local_id)) byLocal.set(row.local_id, { id: row.id, name: row.name, type: row.type });
        return localIds.map((id) => byLocal.get(id) ?? null);
        // Batched, not cached: a live subscription keeps its context for hours, and links change.
      },
      { cache: false },
    );
    byType.set(type, loader);
  }
  return loader;
}
