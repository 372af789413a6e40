import type { DataSource } from 'typeorm';
import { toSqlDateTime } from '../core/db/columns.js';
import { dialectOf } from '../core/lists/capped-count.js';
import type { RawKeysetQuery } from '../core/lists/keyset.js';
import { AuditActorType, type AuditEventFilter } from './audit-log.types.js';

/**
 * The audit log is read newest first (created_at, then id), and every filter picks an index of audit_events that walks
 * that order (audit-event.entity.ts), so a page reads about a page of index entries however long the log is:
 *   no filter, from/to only            ix_audit_account_time
 *   targetId                           ix_audit_account_target
 *   actorId                            ix_audit_account_actor_time
 *   actions (with or without types)    ix_audit_account_action_actor_time, one branch per action and actor type
 *   actorTypes                         ix_audit_account_actor_type_time, one branch per type
 *   search                             the start of the target email (ix_audit_account_email_time; its matches are
 *                                      sorted, so it costs what they number) or of the action (as actions above)
 * The branches of one list never overlap; keyset-union.ts merges them. The other filters are checked on the rows read.
 */
export const AUDIT_INDEX = {
  time: 'ix_audit_account_time',
  target: 'ix_audit_account_target',
  actor: 'ix_audit_account_actor_time',
  action: 'ix_audit_account_action_actor_time',
  actorType: 'ix_audit_account_actor_type_time',
  email: 'ix_audit_account_email_time',
} as const;

const ACTOR_TYPES = Object.values(AuditActorType);

/** `text` as the start of a LIKE pattern: its % and _ are searched for literally. */
export const startsWith = (text: string) => `${text.replace(/[!%_]/g, (c) => '!' + c)}%`;

export async function auditBranches(
  dataSource: DataSource,
  accountId: string,
  filter: AuditEventFilter | undefined,
): Promise<RawKeysetQuery[]> {
  const mysql = dialectOf(dataSource) === 'mysql';
  const from = (index: string) => (mysql ? `audit_events a FORCE INDEX (${index})` : 'audit_events a');
  const where: string[] = ['a.account_id = ?'];
  const params: unknown[] = [accountId];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const inList = (values: readonly unknown[]) => values.map(() => '?').join(', ');
  if (filter?.actions?.length) add(`a.action IN (${inList(filter.actions)})`, ...filter.actions);
  if (filter?.actorTypes?.length) add(`a.actor_type IN (${inList(filter.actorTypes)})`, ...filter.actorTypes);
  if (filter?.actorId) add('a.actor_id = ?', filter.actorId);
  if (filter?.targetId) add('a.target_id = ?', filter.targetId);
  if (filter?.from) add('a.created_at >= ?', toSqlDateTime(filter.from));
  if (filter?.to) add('a.created_at < ?', toSqlDateTime(filter.to));
  const branch = (index: string, more: string[] = [], moreParams: unknown[] = []): RawKeysetQuery => ({
    select: COLUMNS,
    from: from(index),
    where: [...where, ...more],
    params: [...params, ...moreParams],
  });
  const types = filter?.actorTypes?.length ? [...new Set(filter.actorTypes)] : ACTOR_TYPES;
  const byActionAndType = (actions: string[], more: string[] = [], moreParams: unknown[] = []) =>
    actions.flatMap((action) =>
      types.map((type) => branch(AUDIT_INDEX.action, ['a.action = ?', 'a.actor_type = ?', ...more], [action, type, ...moreParams])),
    );

  const search = filter?.search?.trim();
  const pattern = search ? startsWith(search) : null;
  const bySearch = pattern ? ["(a.target_email LIKE ? ESCAPE '!' OR a.action LIKE ? ESCAPE '!')"] : [];
  const searchParams = pattern ? [pattern, pattern] : [];
  if (filter?.targetId) return [branch(AUDIT_INDEX.target, bySearch, searchParams)];
  if (filter?.actorId) return [branch(AUDIT_INDEX.actor, bySearch, searchParams)];
  if (pattern) {
    // Events whose target email starts with the text, then those whose action does (and whose email does not).
    const actions = (await matchingActions(dataSource, accountId, pattern, mysql)).filter(
      (action) => !filter?.actions?.length || filter.actions.includes(action),
    );
    return [
      branch(AUDIT_INDEX.email, ["a.target_email LIKE ? ESCAPE '!'"], [pattern]),
      ...byActionAndType(actions, ["(a.target_email IS NULL OR a.target_email NOT LIKE ? ESCAPE '!')"], [pattern]),
    ];
  }
  if (filter?.actions?.length) return byActionAndType([...new Set(filter.actions)]);
  if (filter?.actorTypes?.length) return types.map((type) => branch(AUDIT_INDEX.actorType, ['a.actor_type = ?'], [type]));
  return [branch(AUDIT_INDEX.time)];
}

/** The account's actions starting with the search: one index entry per distinct action (a loose index scan on MariaDB). */
async function matchingActions(dataSource: DataSource, accountId: string, pattern: string, mysql: boolean): Promise<string[]> {
  const rows: Array<{ action: string }> = await dataSource.query(
    `SELECT DISTINCT a.action AS action FROM audit_events a${mysql ? ` FORCE INDEX (${AUDIT_INDEX.action})` : ''} WHERE a.account_id = ? AND a.action LIKE ? ESCAPE '!'`,
    [accountId, pattern],
  );
  return rows.map((row) => row.action);
}

const COLUMNS = [
  'a.id AS id',
  'a.action AS action',
  'a.actor_type AS actorType',
  'a.actor_id AS actorId',
  'a.target_id AS targetId',
  'a.target_email AS targetEmail',
  'a.details AS details',
  'a.ip AS ip',
  'a.created_at AS createdAt',
].join(', ');
