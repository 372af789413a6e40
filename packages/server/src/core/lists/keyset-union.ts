import type { DataSource } from 'typeorm';
import type { Edge, PageInfo } from './connection.js';
import { pageOfRows, readKeysetPageRaw, type KeysetOptions, type RawKeysetQuery } from './keyset.js';

/**
 * One page of a list whose filter names several values (actions, actor types, outcomes): one branch per value, each
 * read in the page's order through the index that starts with that value and cut at the page's size, then merged.
 * `column IN (a, b) ORDER BY key` would have the database sort every match of every value; this reads at most a
 * page per value, whatever the list's size. Each branch must select the row's `id` (the key's tie-breaker) and its
 * sort key must not be NULL.
 */
export async function readKeysetUnion<Row extends { id: string }, Node>(
  dataSource: DataSource,
  branches: RawKeysetQuery[],
  options: KeysetOptions<Row, Node>,
): Promise<{ edges: Edge<Node>[]; pageInfo: PageInfo }> {
  const { request } = options;
  if (branches.length === 0 || request.size === 0) {
    return pageOfRows<Row, Node>([], request, options.orderName, () => null, options.toNode);
  }
  if (branches.length === 1) return readKeysetPageRaw(dataSource, branches[0]!, options);
  const { sortKey, idColumn } = options;
  const ascending = options.ascending === (request.direction === 'forward');
  const op = ascending ? '>' : '<';
  const direction = ascending ? 'ASC' : 'DESC';
  const params: unknown[] = [];
  const parts = branches.map((branch, i) => {
    const where = [...branch.where];
    params.push(...branch.params);
    if (request.cursor) {
      where.push(`(${sortKey} ${op} ? OR (${sortKey} = ? AND ${idColumn} ${op} ?))`);
      params.push(request.cursor.key, request.cursor.key, request.cursor.id);
    }
    // SQLite takes ORDER BY and LIMIT only on a whole compound SELECT, hence each branch in its own subquery.
    return (
      `SELECT * FROM (SELECT ${branch.select}, ${sortKey} AS branch_key FROM ${branch.from}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${sortKey} ${direction}, ${idColumn} ${direction} LIMIT ${request.size + 1}) b${i}`
    );
  });
  return readKeysetPageRaw(
    dataSource,
    { select: 'u.*', from: `(${parts.join(' UNION ALL ')}) u`, where: [], params },
    { ...options, sortKey: 'u.branch_key', idColumn: 'u.id' },
  );
}
