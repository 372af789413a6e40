import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { badInput } from '../errors.js';
import { toPageRequest, type Connection, type PageArgs } from './connection.js';
import { readKeysetPage } from './keyset.js';

const MAX_SEARCH_LENGTH = 200;

/**
 * Lists an account-scoped table with a `name` column (companies, groups) by name, with an optional
 * case-insensitive search, as a cursor connection.
 */
export async function listByName<Row extends { id: string; name: string }, E extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<E>,
  columns: string[],
  accountId: string,
  page: PageArgs | undefined,
  search: string | null | undefined,
): Promise<Connection<Row>> {
  if (search && search.length > MAX_SEARCH_LENGTH) throw badInput('search', `Search text can be at most ${MAX_SEARCH_LENGTH} characters.`);
  const request = toPageRequest(page, 'NAME:ASC');
  const filtered = () => {
    const query = dataSource.getRepository(entity).createQueryBuilder('t').where('t.account_id = :accountId', { accountId });
    const term = search?.trim();
    if (term)
      query.andWhere("LOWER(t.name) LIKE :pattern ESCAPE '!'", { pattern: `%${term.toLowerCase().replace(/[!%_]/g, (c) => '!' + c)}%` });
    return query;
  };
  const [result, count] = await Promise.all([
    readKeysetPage<Row, Row, E>(filtered().select(columns.map((c) => `t.${c} AS ${c}`)), {
      sortKey: 'LOWER(t.name)',
      idColumn: 't.id',
      ascending: true,
      request,
      orderName: 'NAME:ASC',
      toNode: (row) => row,
    }),
    filtered().select('COUNT(*) AS n').getRawOne(),
  ]);
  return { ...result, totalCount: Number(count?.n ?? 0) };
}
