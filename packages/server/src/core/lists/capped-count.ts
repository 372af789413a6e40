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

/**
 * A figure shown on every row of a list (a company's or a group's users) is counted up to this many: 1,001 reads
 * "more than 1,000". A page of 100 rows then reads at most 100,100 index entries, however large its companies and
 * groups grow (a 119,000-member group costs what a 1,001-member one does).
 */
export const ROW_COUNT_CAP = 1_000;

/** What such a per-row figure says (its GraphQL description, `what` e.g. "users belong to this company"). */
export const rowCountDescription = (what: string) =>
  `How many ${what}, counted up to ${ROW_COUNT_CAP.toLocaleString('en-US')}: when more do, this is ` +
  `${(ROW_COUNT_CAP + 1).toLocaleString('en-US')} (shown as "more than ${ROW_COUNT_CAP.toLocaleString('en-US')}"), since an exact figure ` +
  'would read every one of them on every page.';

/** Keys counted per statement (SQLite allows 500 SELECTs in one UNION). */
const KEYS_PER_STATEMENT = 100;

/**
 * One capped count per key (a DataLoader's batch: a page's companies or groups) in one statement per 100 keys: each
 * key's matches are read through `queryOf(key)`'s index up to `cap` + 1 entries (LIMIT inside a derived table, so the
 * count stops there), and the answers come back in the keys' order.
 */
export async function countEachUpTo(
  dataSource: DataSource,
  keys: readonly string[],
  queryOf: (key: string) => CountQuery,
  cap = ROW_COUNT_CAP,
): Promise<number[]> {
  const counts: number[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_STATEMENT) {
    const chunk = keys.slice(start, start + KEYS_PER_STATEMENT).map(queryOf);
    const parts = chunk.map(
      (query, i) =>
        `SELECT ${i} AS i, COUNT(*) AS n FROM (SELECT 1 AS one FROM ${query.from}` +
        `${query.where.length ? ` WHERE ${query.where.join(' AND ')}` : ''} LIMIT ${cap + 1}) c${i}`,
    );
    const rows: Array<{ i: number | string; n: number | string }> = await dataSource.query(
      parts.join(' UNION ALL '),
      chunk.flatMap((query) => query.params),
    );
    const byIndex = new Map(rows.map((row) => [Number(row.i), Math.min(cap + 1, Number(row.n))]));
    chunk.forEach((_, i) => counts.push(byIndex.get(i) ?? 0));
  }
  return counts;
}
