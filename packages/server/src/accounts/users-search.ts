import type { DataSource } from 'typeorm';
import { badInput } from '../core/errors.js';
import type { Edge, PageInfo, PageRequest } from '../core/lists/connection.js';
import { pageOfRows, type RawKeysetQuery } from '../core/lists/keyset.js';

/**
 * A search's total is counted up to this many matches: SEARCH_COUNT_CAP + 1 says "more" (the page shows "more than
 * 1,000"). An exact total of a common first name at 1,000,000 users would read tens of thousands of index entries on
 * every keystroke; nobody pages through a thousand matches, they type more.
 */
export const SEARCH_COUNT_CAP = 1_000;

/** The cursor order of a search: its own, whatever `orderBy` says (cursors of a sorted list are refused, and back). */
export const SEARCH_ORDER = 'BEST_MATCH';

/** LIKE patterns of a search: the start of an email or name, and the start of a domain (a leading "@" is the domain's). */
export interface Search {
  prefix: string;
  domain: string;
}

export function searchPattern(text: string | null | undefined): Search | null {
  const search = text?.trim().toLowerCase();
  if (!search) return null;
  const pattern = (value: string) => `${value.replace(/[!%_]/g, (c) => '!' + c)}%`;
  return { prefix: pattern(search), domain: pattern(search.replace(/^@/, '')) };
}

interface Branch {
  /** Conditions a row of this branch meets, and none of an earlier branch's (so each match appears once). */
  match: (search: Search) => { sql: string[]; params: unknown[] };
  /** Its index's order: unique within the account together, never NULL for a match. */
  keys: { mysql: string[]; sqlite: string[] };
  /**
   * The index MariaDB is told to read (membership.entity.ts): left to itself, it may walk the account's part of the
   * index from its start (`ref`) instead of the search's range when many users match. The email branch takes the
   * filter's own index when there is one (company, role, status: each ends in the email).
   */
  index: string | null;
}

const LIKE = "LIKE ? ESCAPE '!'";
const NOT_LIKE = "NOT LIKE ? ESCAPE '!'";

/**
 * Best match: users whose email starts with the text, in email order (the email index); then those whose name does
 * (and email does not), in name order (the name index); then those whose email domain does (and neither email nor
 * name), by domain and email (the domain index). Each branch is a range of its index read in the index's order, so a
 * page reads its own rows and stops, however many match: sorting every match in another order costs a read of all
 * of them (2.6 s for a first name shared by 40,000 users of 1,000,000). A later branch skips the earlier branches'
 * matches as it walks; they are at most the rows already paged through.
 */
const BRANCHES: Branch[] = [
  {
    match: (s) => ({ sql: [`m.email ${LIKE}`], params: [s.prefix] }),
    keys: { mysql: ['m.email'], sqlite: ['m.email'] },
    index: null,
  },
  {
    match: (s) => ({ sql: [`m.name ${LIKE}`, `m.email ${NOT_LIKE}`], params: [s.prefix, s.prefix] }),
    // SQLite compares bytes: LOWER() sorts names as MariaDB's _ci collation does (no index there; small installations).
    keys: { mysql: ['m.name', 'm.id'], sqlite: ['LOWER(m.name)', 'm.id'] },
    index: 'ix_memberships_account_name_id',
  },
  {
    match: (s) => ({
      sql: [`m.email_domain ${LIKE}`, `m.email ${NOT_LIKE}`, `(m.name IS NULL OR m.name ${NOT_LIKE})`],
      params: [s.domain, s.prefix, s.prefix],
    }),
    keys: { mysql: ['m.email_domain', 'm.email'], sqlite: ['m.email_domain', 'm.email'] },
    index: 'ix_memberships_account_domain_email',
  },
];

type KeyedRow<Row> = Row & Record<`search_k${number}`, string>;

/**
 * One page of a search in best-match order: the branches in turn (backwards for `last`/`before`), each read from the
 * cursor's position with LIMIT what the page still needs. The cursor key is `[branch, ...keys]`.
 */
export async function readSearchPage<Row extends { id: string }, Node>(
  dataSource: DataSource,
  dialect: 'mysql' | 'sqlite',
  query: RawKeysetQuery,
  search: Search,
  request: PageRequest,
  toNode: (row: Row) => Node,
  emailIndex: string,
): Promise<{ edges: Edge<Node>[]; pageInfo: PageInfo }> {
  const forward = request.direction === 'forward';
  const direction = forward ? 'ASC' : 'DESC';
  const cursor = request.cursor ? parseKey(request.cursor.key, forward ? 'after' : 'before') : null;
  const walk = BRANCHES.map((branch, rank) => ({ branch, rank }));
  if (!forward) walk.reverse();
  const rows: Array<KeyedRow<Row> & { rank: number }> = [];
  for (const { branch, rank } of walk) {
    if (request.size === 0 || rows.length > request.size) break;
    if (cursor && (forward ? rank < cursor.rank : rank > cursor.rank)) continue;
    const keys = branch.keys[dialect];
    const match = branch.match(search);
    const where = [...query.where, ...match.sql];
    const params = [...query.params, ...match.params];
    if (cursor && rank === cursor.rank) {
      if (cursor.keys.length !== keys.length) throw invalidCursor(forward ? 'after' : 'before');
      const after = keysetCondition(keys, forward ? '>' : '<');
      where.push(after.sql);
      params.push(...after.params(cursor.keys));
    }
    const index = dialect === 'mysql' ? (branch.index ?? emailIndex) : null;
    const from = index ? query.from.replace('memberships m', `memberships m FORCE INDEX (${index})`) : query.from;
    const sql =
      `SELECT ${query.select}, ${keys.map((key, i) => `${key} AS search_k${i}`).join(', ')} FROM ${from}` +
      ` WHERE ${where.join(' AND ')} ORDER BY ${keys.map((key) => `${key} ${direction}`).join(', ')}` +
      ` LIMIT ${request.size + 1 - rows.length}`;
    const found: Array<KeyedRow<Row>> = await dataSource.query(sql, params);
    rows.push(...found.map((row) => ({ ...row, rank })));
  }
  return pageOfRows(
    rows,
    request,
    SEARCH_ORDER,
    (row) => JSON.stringify([row.rank, ...BRANCHES[row.rank]!.keys[dialect].map((_, i) => String(row[`search_k${i}`]))]),
    toNode,
  );
}

/**
 * The matches of a search (and the other conditions), counted branch by branch up to SEARCH_COUNT_CAP + 1: at most
 * that many index entries, plus the earlier branches' matches a later branch skips (fewer than the cap, or the count
 * would have stopped before it).
 */
export async function countSearchMatches(
  dataSource: DataSource,
  dialect: 'mysql' | 'sqlite',
  where: { sql: string[]; params: unknown[] },
  search: Search,
  emailIndex: string,
): Promise<number> {
  let total = 0;
  for (const branch of BRANCHES) {
    const match = branch.match(search);
    const index = dialect === 'mysql' ? ` FORCE INDEX (${branch.index ?? emailIndex})` : '';
    const rows: Array<{ n: number | string }> = await dataSource.query(
      `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM memberships m${index} WHERE ${[...where.sql, ...match.sql].join(' AND ')}` +
        ` LIMIT ${SEARCH_COUNT_CAP + 1 - total}) counted`,
      [...where.params, ...match.params],
    );
    total += Number(rows[0]?.n ?? 0);
    if (total > SEARCH_COUNT_CAP) break;
  }
  return total;
}

/** `(k1 > ? OR (k1 = ? AND k2 > ?))`: past the cursor in the keys' order (written out, as MariaDB's range optimiser wants). */
function keysetCondition(keys: string[], op: '>' | '<'): { sql: string; params: (values: string[]) => string[] } {
  if (keys.length === 1) return { sql: `${keys[0]} ${op} ?`, params: (values) => [values[0]!] };
  return {
    sql: `(${keys[0]} ${op} ? OR (${keys[0]} = ? AND ${keys[1]} ${op} ?))`,
    params: (values) => [values[0]!, values[0]!, values[1]!],
  };
}

function parseKey(key: string | number | null, field: string): { rank: number; keys: string[] } {
  let parsed: unknown;
  try {
    parsed = typeof key === 'string' ? JSON.parse(key) : null;
  } catch {
    throw invalidCursor(field);
  }
  if (!Array.isArray(parsed) || !Number.isInteger(parsed[0]) || !BRANCHES[parsed[0] as number]) throw invalidCursor(field);
  const keys = parsed.slice(1);
  if (!keys.every((value): value is string => typeof value === 'string')) throw invalidCursor(field);
  return { rank: parsed[0] as number, keys };
}

function invalidCursor(field: string) {
  return badInput(field, `The cursor given as \`${field}\` is not valid; start again from the first page.`);
}
