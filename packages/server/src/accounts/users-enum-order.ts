import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import type { Edge, PageInfo, PageRequest } from '../core/lists/connection.js';
import { pageOfRows, type RawKeysetQuery } from '../core/lists/keyset.js';

export interface EnumOrder<Row, Node> {
  /** The column, e.g. `m.role`. */
  column: string;
  /** Its values in the API's ascending order (owner before admin…). */
  values: readonly string[];
  /** The values a filter leaves (the others are not read); all when absent. */
  only?: readonly string[] | null;
  ascending: boolean;
  request: PageRequest;
  orderName: string;
  toNode: (row: Row) => Node;
}

/**
 * One page of users ordered by a column of a few values (role, status) in an order that is not alphabetical, then by
 * email. No index serves `ORDER BY CASE role …`, so the page is read value by value, each through the index
 * (account_id, column, email, id), until it is full: usually one query, at most one per value. The cursor key is
 * `<rank>|<email>`; emails are unique in an account, so they need no id to break ties.
 */
export async function readEnumOrderedPage<Row extends { id: string; email: string }, Node>(
  dataSource: DataSource,
  query: RawKeysetQuery,
  order: EnumOrder<Row, Node>,
  rankOf: (row: Row) => string,
): Promise<{ edges: Edge<Node>[]; pageInfo: PageInfo }> {
  const { request, values } = order;
  const ascending = order.ascending === (request.direction === 'forward');
  const direction = ascending ? 'ASC' : 'DESC';
  const walk = values.map((value, rank) => ({ value, rank }));
  if (!ascending) walk.reverse();
  const cursor = request.cursor ? parseKey(request.cursor.key, request.direction === 'forward' ? 'after' : 'before') : null;
  const rows: Array<Row & { rank: number }> = [];
  for (const { value, rank } of walk) {
    if (request.size === 0 || rows.length > request.size) break;
    if (cursor && (ascending ? rank < cursor.rank : rank > cursor.rank)) continue;
    if (order.only?.length && !order.only.includes(value)) continue;
    const where = [...query.where, `${order.column} = ?`];
    const params = [...query.params, value];
    if (cursor && rank === cursor.rank) {
      where.push(`m.email ${ascending ? '>' : '<'} ?`);
      params.push(cursor.email);
    }
    const sql =
      `SELECT ${query.select} FROM ${query.from} WHERE ${where.join(' AND ')}` +
      ` ORDER BY m.email ${direction}, m.id ${direction} LIMIT ${request.size + 1 - rows.length}`;
    const found: Row[] = await dataSource.query(sql, params);
    rows.push(...found.map((row) => ({ ...row, rank: values.indexOf(rankOf(row)) })));
  }
  return pageOfRows(rows, request, order.orderName, (row) => `${row.rank}|${row.email}`, order.toNode);
}

function parseKey(key: string | number | null, field: string): { rank: number; email: string } {
  const match = typeof key === 'string' ? /^(\d+)\|(.+)$/s.exec(key) : null;
  if (!match) throw badInput(field, `The cursor given as \`${field}\` is not valid; start again from the first page.`);
  return { rank: Number(match[1]), email: match[2]! };
}
