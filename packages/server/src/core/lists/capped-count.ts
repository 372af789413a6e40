import type { DataSource } from 'typeorm';

/**
 * Lists that grow without bound (the audit log, webhook deliveries, an import's or a sync run's rows, companies,
 * groups) count their matches only up to this many: an exact total beyond it would read every match on every page.
 */
export const COUNT_CAP = 10_000;

/** What such a list's totalCount says (its GraphQL description); the web shows COUNT_CAP + 1 as "10,000+". */
export const CAPPED_COUNT_DESCRIPTION =
  `How many items match the filter, counted up to ${COUNT_CAP.toLocaleString('en-US')}: when more match, this is ` +
  `${(COUNT_CAP + 1).toLocaleString('en-US')} (shown as "more than ${COUNT_CAP.toLocaleString('en-US')}"), since an exact figure would read every match on every page.`;

export interface CountQuery {
  from: string;
  where: string[];
  params: unknown[];
}

/**
 * The rows meeting one of the queries (which must not overlap: a list read in branches, keyset-union.ts), counted up
 * to `cap` + 1 (one more than the cap says "more"): each query reads at most that many index entries of its matches.
 */
export async function countUpTo(dataSource: DataSource, queries: CountQuery | CountQuery[], cap = COUNT_CAP): Promise<number> {
  const list = Array.isArray(queries) ? queries : [queries];
  if (list.length === 0) return 0;
  const parts = list.map(
    (query, i) =>
      `SELECT * FROM (SELECT 1 AS one FROM ${query.from}${query.where.length ? ` WHERE ${query.where.join(' AND ')}` : ''} LIMIT ${cap + 1}) c${i}`,
  );
  const rows: Array<{ n: number | string }> = await dataSource.query(
    `SELECT COUNT(*) AS n FROM (${parts.join(' UNION ALL ')}) counted`,
    list.flatMap((query) => query.params),
  );
  return Math.min(cap + 1, Number(rows[0]?.n ?? 0));
}

export function dialectOf(dataSource: DataSource): 'mysql' | 'sqlite' {
  return dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb' ? 'mysql' : 'sqlite';
}
