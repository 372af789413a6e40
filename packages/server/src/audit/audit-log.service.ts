import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import { fromSqlDateTime } from '../core/db/columns.js';
import { countUpTo } from '../core/lists/capped-count.js';
import { decodeCursor, toPageRequest, type Connection, type PageArgs, type PageRequest } from '../core/lists/connection.js';
import { readKeysetUnion } from '../core/lists/keyset-union.js';
import { auditBranches } from './audit-log-query.js';
import { AuditActorType, type AuditActor, type AuditEvent, type AuditEventFilter } from './audit-log.types.js';

const MAX_ACTIONS = 50;
const MAX_SEARCH = 200;

/** Reads the audit log: newest first, keyset-paginated, filtered, each filter through its index (audit-log-query.ts). */
export class AuditLogService {
  constructor(private readonly dataSource: DataSource) {}

  async list(accountId: string, page: PageArgs | undefined, filter: AuditEventFilter | undefined): Promise<Connection<AuditEvent>> {
    const request = toPageRequest(page, 'time');
    checkFilter(filter);
    const branches = await auditBranches(this.dataSource, accountId, filter);
    const [pageResult, totalCount] = await Promise.all([this.page(branches, request), countUpTo(this.dataSource, branches)]);
    return { ...pageResult, totalCount };
  }

  /** Every matching event, newest first, in pages of `size` (the CSV export streams them). */
  async *all(accountId: string, filter: AuditEventFilter | undefined, size = 1000): AsyncGenerator<AuditEvent[]> {
    checkFilter(filter);
    const branches = await auditBranches(this.dataSource, accountId, filter);
    let after: string | null = null;
    for (;;) {
      const request: PageRequest = { size, direction: 'forward', cursor: after ? decodeCursor(after, 'after', 'time') : null };
      const page = await this.page(branches, request);
      if (page.edges.length) yield page.edges.map((edge) => edge.node);
      if (!page.pageInfo.hasNextPage) return;
      after = page.pageInfo.endCursor;
    }
  }

  private page(branches: Awaited<ReturnType<typeof auditBranches>>, request: PageRequest) {
    return readKeysetUnion(this.dataSource, branches, {
      sortKey: 'a.created_at',
      idColumn: 'a.id',
      ascending: false,
      request,
      orderName: 'time',
      toNode: toAuditEvent,
    });
  }
}

function checkFilter(filter: AuditEventFilter | undefined): void {
  if ((filter?.actions?.length ?? 0) > MAX_ACTIONS) throw badInput('filter.actions', `Filter on at most ${MAX_ACTIONS} actions.`);
  if ((filter?.search?.length ?? 0) > MAX_SEARCH) throw badInput('filter.search', `Search for at most ${MAX_SEARCH} characters.`);
  if (filter?.from && filter.to && filter.from.getTime() >= filter.to.getTime()) throw badInput('filter.to', '`to` must be after `from`.');
}

function toAuditEvent(row: Record<string, any> & { id: string }): AuditEvent {
  return {
    id: row.id,
    action: row.action,
    actorType: row.actorType as AuditActorType,
    actorId: row.actorId ?? null,
    targetId: row.targetId ?? null,
    targetEmail: row.targetEmail ?? null,
    details: row.details ?? null,
    ip: row.ip ?? null,
    createdAt: fromSqlDateTime(row.createdAt),
  };
}

/** `TYPE:id`: the key actors are loaded by. */
export const actorKey = (event: Pick<AuditEvent, 'actorType' | 'actorId'>): string => `${event.actorType}:${event.actorId ?? ''}`;

/**
 * Resolves actors to names with one query per kind present (people, API keys, integrations), whatever the
 * number of events: the DataLoader behind AuditEvent.actor and the CSV export use it.
 */
export async function loadAuditActors(dataSource: DataSource, accountId: string, keys: readonly string[]): Promise<AuditActor[]> {
  const idsOf = (type: string) => [
    ...new Set(
      keys
        .filter((k) => k.startsWith(`${type}:`))
        .map((k) => k.slice(type.length + 1))
        .filter(Boolean),
    ),
  ];
  const names = new Map<string, { name: string; email: string | null }>();
  const load = async (
    type: string,
    sql: (placeholders: string) => string,
    ids: string[],
    toName: (row: Record<string, any>) => { name: string; email: string | null },
  ) => {
    if (ids.length === 0) return;
    const rows: Array<Record<string, any>> = await dataSource.query(sql(ids.map(() => '?').join(', ')), [...ids, accountId]);
    for (const row of rows) names.set(`${type}:${row.id}`, toName(row));
  };
  const integrationIds = [...new Set([...idsOf('INTEGRATION'), ...idsOf('SCIM')])];
  await Promise.all([
    // People are global, but only those with a membership in this account are named (no cross-tenant lookups).
    load(
      'PERSON',
      (p) =>
        `SELECT p.id AS id, p.name AS name, p.email AS email FROM people p WHERE p.id IN (${p}) AND EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id AND m.account_id = ?)`,
      idsOf('PERSON'),
      (row) => ({
        name: row.name ?? row.email,
        email: row.email,
      }),
    ),
    load(
      'API_KEY',
      (p) => `SELECT k.id AS id, k.name AS name FROM api_keys k WHERE k.id IN (${p}) AND k.account_id = ?`,
      idsOf('API_KEY'),
      (row) => ({ name: row.name, email: null }),
    ),
    load(
      'INTEGRATION',
      (p) => `SELECT i.id AS id, i.name AS name FROM integrations i WHERE i.id IN (${p}) AND i.account_id = ?`,
      integrationIds,
      (row) => ({ name: row.name, email: null }),
    ),
  ]);
  return keys.map((key) => {
    const [type, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1) || null];
    const found = names.get(key) ?? (type === 'SCIM' && id ? names.get(`INTEGRATION:${id}`) : undefined);
    const name = type === 'SYSTEM' ? 'Roster' : (found?.name ?? '(deleted)');
    return { type: type as AuditActorType, id, name, email: found?.email ?? null };
  });
}
