import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { badInput } from '../errors.js';
import { countUpTo, dialectOf } from './capped-count.js';
import { toPageRequest, type Connection, type PageArgs, type PageRequest } from './connection.js';
import { pageOfRows, readKeysetPageRaw, type RawKeysetQuery } from './keyset.js';

const MAX_SEARCH_LENGTH = 200;

/**
 * Lists an account-scoped table with a `name` column (companies, groups) by name, with an optional search by the start
 * of the name, as a cursor connection. Both walk `nameIndex` (account, name): MariaDB's _ci collation orders and
 * matches names whatever their letter case, so a page (and a search's page) reads about a page of entries however
 * many the account has; the count stops at COUNT_CAP. SQLite, the embedded database of small installations, sorts
 * LOWER(name) instead (its own collation compares bytes).
 */
export async function listByName<Row extends { id: string; name: string }, E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<E>,
  nameIndex: string,
  columns: string[],
  accountId: string,
  page: PageArgs | undefined,
  search: string | null | undefined,
  /** False when the query does not ask for totalCount (a picker paging through names): no count is read, 0 answered. */
  count = true,
): Promise<Connection<Row>> {
  if (search && search.length > MAX_SEARCH_LENGTH) throw badInput('search', `Search text can be at most ${MAX_SEARCH_LENGTH} characters.`);
  const request = toPageRequest(page, 'NAME:ASC');
  const mysql = dialectOf(dataSource) === 'mysql';
  const table = dataSource.getMetadata(entity).tableName;
  const query = {
    select: columns.map((c) => `t.${c} AS ${c}`).join(', '),
    from: mysql ? `${table} t FORCE INDEX (${nameIndex})` : `${table} t`,
    where: ['t.account_id = ?'],
    params: [accountId] as unknown[],
  };
  const term = search?.trim();
  if (term) {
    query.where.push("t.name LIKE ? ESCAPE '!'");
    query.params.push(`${term.replace(/[!%_]/g, (c) => '!' + c)}%`);
  }
  const [result, totalCount] = await Promise.all([
    mysql
      ? readByUniqueName<Row>(dataSource, query, request)
      : readKeysetPageRaw<Row, Row>(dataSource, query, {
          sortKey: 'LOWER(t.name)',
          idColumn: 't.id',
          ascending: true,
          request,
          orderName: 'NAME:ASC',
          toNode: (row) => row,
        }),
    count ? countUpTo(dataSource, query) : 0,
  ]);
  return { ...result, totalCount };
}

/**
 * On MariaDB the name index is unique under the _ci collation, so the name alone orders the rows: ordering by name and
 * id as well would make MariaDB sort them (it does not extend a unique index with the primary key).
 */
async function readByUniqueName<Row extends { id: string; name: string }>(
  dataSource: DataSource,
  query: RawKeysetQuery,
  request: PageRequest,
) {
  if (request.size === 0)
    return pageOfRows<Row, Row>(
      [],
      request,
      'NAME:ASC',
      (row) => row.name,
      (row) => row,
    );
  const forward = request.direction === 'forward';
  const where = [...query.where];
  const params = [...query.params];
  if (request.cursor) {
    where.push(`t.name ${forward ? '>' : '<'} ?`);
    params.push(request.cursor.key);
  }
  const rows: Row[] = await dataSource.query(
    `SELECT ${query.select} FROM ${query.from} WHERE ${where.join(' AND ')} ORDER BY t.name ${forward ? 'ASC' : 'DESC'} LIMIT ${request.size + 1}`,
    params,
  );
  return pageOfRows<Row, Row>(
    rows,
    request,
    'NAME:ASC',
    (row) => row.name,
    (row) => row,
  );
}
