import { Brackets, type DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { toSqlDateTime } from '../db/columns.js';
import { encodeCursor, type Edge, type PageInfo, type PageRequest } from './connection.js';

export interface KeysetOptions<Row, Node> {
  /** SQL of the sort key; rows are also ordered by `idColumn`, so the order is total. */
  sortKey: string;
  idColumn: string;
  ascending: boolean;
  request: PageRequest;
  /** Name of the ordering, written into cursors so one from another ordering is refused. */
  orderName: string;
  toNode: (row: Row) => Node;
  /**
   * The sort key may be NULL (raw reads only). NULLs come first in ascending order, as both dialects sort them, so
   * a plain nullable column can be walked by its index instead of being wrapped in a COALESCE that no index serves.
   */
  nullable?: boolean;
}

/**
 * Reads one page of a keyset-paginated query. The query must already select the row's columns (with
 * `id`); this adds `sort_key`, the order, the cursor condition and the limit.
 */
export async function readKeysetPage<Row extends { id: string }, Node, E extends ObjectLiteral>(
  query: SelectQueryBuilder<E>,
  options: KeysetOptions<Row, Node>,
): Promise<{ edges: Edge<Node>[]; pageInfo: PageInfo }> {
  const { sortKey, idColumn, request } = options;
  // Reading backwards flips the order; the page is reversed back before returning.
  const ascending = options.ascending === (request.direction === 'forward');
  query
    .addSelect(`${sortKey}`, 'sort_key')
    .orderBy(sortKey, ascending ? 'ASC' : 'DESC')
    .addOrderBy(idColumn, ascending ? 'ASC' : 'DESC')
    .limit(request.size + 1);
  if (request.cursor) {
    const op = ascending ? '>' : '<';
    query.andWhere(
      new Brackets((qb) =>
        qb
          .where(`${sortKey} ${op} :cursorKey`)
          .orWhere(new Brackets((tie) => tie.where(`${sortKey} = :cursorKey`).andWhere(`${idColumn} ${op} :cursorId`))),
      ),
      { cursorKey: request.cursor.key, cursorId: request.cursor.id },
    );
  }
  const rows: Array<Row & { sort_key: unknown }> = request.size === 0 ? [] : await query.getRawMany();
  return toPage(rows, options);
}

export interface RawKeysetQuery {
  /** `SELECT` list without the sort key, e.g. `m.id AS id, m.email AS email`. */
  select: string;
  /** `FROM` clause with its joins. */
  from: string;
  /** `WHERE` conditions (joined with AND) and their `?` parameters, in order. */
  where: string[];
  params: unknown[];
}

/**
 * The same page read as plain SQL, for hot paths where building the query costs more than running it.
 * Placeholders are `?`, which both mysql2 and better-sqlite3 take.
 */
export async function readKeysetPageRaw<Row extends { id: string }, Node>(
  dataSource: DataSource,
  query: RawKeysetQuery,
  options: KeysetOptions<Row, Node>,
): Promise<{ edges: Edge<Node>[]; pageInfo: PageInfo }> {
  const { sortKey, idColumn, request } = options;
  if (request.size === 0) return toPage([], options);
  const ascending = options.ascending === (request.direction === 'forward');
  const where = [...query.where];
  const params = [...query.params];
  if (request.cursor) {
    const op = ascending ? '>' : '<';
    const { key, id } = request.cursor;
    if (options.nullable && key === null) {
      // Past a NULL key: the other NULLs beyond its id, then (ascending) every non-NULL key.
      where.push(
        ascending ? `((${sortKey} IS NULL AND ${idColumn} > ?) OR ${sortKey} IS NOT NULL)` : `(${sortKey} IS NULL AND ${idColumn} < ?)`,
      );
      params.push(id);
    } else {
      const nulls = options.nullable && !ascending ? ` OR ${sortKey} IS NULL` : '';
      where.push(`(${sortKey} ${op} ? OR (${sortKey} = ? AND ${idColumn} ${op} ?)${nulls})`);
      params.push(key, key, id);
    }
  }
  const direction = ascending ? 'ASC' : 'DESC';
  const sql =
    `SELECT ${query.select}, ${sortKey} AS sort_key FROM ${query.from}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${sortKey} ${direction}, ${idColumn} ${direction} LIMIT ${request.size + 1}`;
  const rows: Array<Row & { sort_key: unknown }> = await dataSource.query(sql, params);
  return toPage(rows, options);
}

function toPage<Row extends { id: string }, Node>(
  rows: Array<Row & { sort_key: unknown }>,
  options: KeysetOptions<Row, Node>,
): { edges: Edge<Node>[]; pageInfo: PageInfo } {
  return pageOfRows(rows, options.request, options.orderName, (row) => cursorKeyOf(row.sort_key), options.toNode);
}

/**
 * A page from rows read one past the page size in the walk's direction: edges with their cursors (the order's name,
 * the row's key, its id) and whether there is more either way. Shared by every keyset reader.
 */
export function pageOfRows<Row extends { id: string }, Node>(
  rows: Row[],
  request: PageRequest,
  orderName: string,
  keyOf: (row: Row) => string | number | null,
  toNode: (row: Row) => Node,
): { edges: Edge<Node>[]; pageInfo: PageInfo } {
  const hasMore = rows.length > request.size;
  const pageRows = rows.slice(0, request.size);
  if (request.direction === 'backward') pageRows.reverse();
  const edges = pageRows.map((row) => ({
    cursor: encodeCursor({ order: orderName, key: keyOf(row), id: String(row.id) }),
    node: toNode(row),
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: request.direction === 'forward' ? hasMore : request.cursor !== null,
      hasPreviousPage: request.direction === 'forward' ? request.cursor !== null : hasMore,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** Dates travel in cursors as the UTC text that both dialects compare correctly. */
function cursorKeyOf(value: unknown): string | number | null {
  if (value instanceof Date) return toSqlDateTime(value);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return toSqlDateTime(new Date(value));
  if (typeof value === 'bigint') return Number(value);
  return value as string | number | null;
}
