import type { DataSource } from 'typeorm';
import { countUpTo, dialectOf } from '../../core/lists/capped-count.js';
import { toPageRequest, type Connection, type PageArgs } from '../../core/lists/connection.js';
import { readKeysetPageRaw } from '../../core/lists/keyset.js';
import type { SyncItemAction } from './sync-run-item.entity.js';

export interface SyncRunItemNode {
  position: number;
  resourceType: string;
  externalId: string | null;
  label: string;
  action: SyncItemAction;
  localId: string | null;
  message: string | null;
}

interface ItemRow {
  id: string;
  resource_type: string;
  external_id: string | null;
  label: string;
  action: SyncItemAction;
  local_id: string | null;
  message: string | null;
}

/**
 * A run's items in order, through the primary key (run, position), or for one action through ix_sync_run_items_action
 * (run, action, position): a page reads about a page of items however many the run wrote (a first sync of a large
 * directory writes one per user); the count stops at COUNT_CAP.
 */
export async function listSyncRunItems(
  dataSource: DataSource,
  runId: string,
  page: PageArgs | undefined,
  action: SyncItemAction | undefined,
): Promise<Connection<SyncRunItemNode>> {
  const request = toPageRequest(page, 'POSITION:ASC');
  const index = action ? 'ix_sync_run_items_action' : 'PRIMARY';
  const query = {
    select:
      't.position AS id, t.resource_type AS resource_type, t.external_id AS external_id, t.label AS label, t.action AS action, t.local_id AS local_id, t.message AS message',
    from: dialectOf(dataSource) === 'mysql' ? `sync_run_items t FORCE INDEX (${index})` : 'sync_run_items t',
    where: action ? ['t.run_id = ?', 't.action = ?'] : ['t.run_id = ?'],
    params: action ? [runId, action] : [runId],
  };
  const [result, totalCount] = await Promise.all([
    readKeysetPageRaw<ItemRow, SyncRunItemNode>(dataSource, query, {
      sortKey: 't.position',
      idColumn: 't.position',
      ascending: true,
      request,
      orderName: 'POSITION:ASC',
      toNode: (row) => ({
        position: Number(row.id),
        resourceType: row.resource_type,
        externalId: row.external_id,
        label: row.label,
        action: row.action,
        localId: row.local_id,
        message: row.message,
      }),
    }),
    // Counted without the page's index hint: MariaDB counts from ix_sync_run_items_action, smaller than the rows themselves.
    countUpTo(dataSource, { ...query, from: 'sync_run_items t' }),
  ]);
  return { ...result, totalCount };
}
