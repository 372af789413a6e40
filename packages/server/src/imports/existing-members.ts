import type { EntityManager } from 'typeorm';
import type { UserStatus } from '../accounts/index.js';

export interface ExistingMember {
  id: string;
  email: string;
  status: UserStatus;
}

/**
 * The account's users among `emails` (normalised), in plain SQL: the preview and the runner ask this for
 * every chunk of rows, and TypeORM's `In(...)` spends more time expanding a thousand parameters than the
 * database spends answering.
 */
export async function existingMembers(manager: EntityManager, accountId: string, emails: string[]): Promise<Map<string, ExistingMember>> {
  if (emails.length === 0) return new Map();
  const rows = await selectMembers(
    manager,
    `AND ${manager.connection.driver.escape('email')} IN (${new Array<string>(emails.length).fill('?').join(', ')})`,
    [accountId, ...emails],
  );
  return new Map(rows.map((row) => [row.email, row]));
}

/** An account with at most this many users is read once for a whole file instead of once per chunk of rows. */
export const WHOLE_ACCOUNT_READ = 5_000;

/**
 * The account's users among each chunk's emails, for one file. A small account (up to WHOLE_ACCOUNT_READ users, as
 * most are) is read once, on the first chunk, and every chunk is judged against that: asking the database for a
 * thousand emails cost it more than storing the thousand rows (a temporary table of the list, and a walk of the
 * account's users, for each chunk). A larger account, or one holding an address that is not plain ASCII (the database's
 * collation may match it with an ASCII one; a valid address in a file is ASCII), is asked chunk by chunk as before.
 * Like the chunk-by-chunk answers, the preview's verdicts are those of its moment: the import checks again.
 */
export function accountMembers(manager: EntityManager, accountId: string): (emails: string[]) => Promise<Map<string, ExistingMember>> {
  let whole: Promise<Map<string, ExistingMember> | null> | null = null;
  return async (emails) => {
    if (emails.length === 0) return new Map();
    whole ??= wholeAccount(manager, accountId);
    const all = await whole;
    if (!all) return existingMembers(manager, accountId, emails);
    const found = new Map<string, ExistingMember>();
    for (const email of emails) {
      const member = all.get(email);
      if (member) found.set(email, member);
    }
    return found;
  };
}

async function wholeAccount(manager: EntityManager, accountId: string): Promise<Map<string, ExistingMember> | null> {
  const rows = await selectMembers(manager, `LIMIT ${WHOLE_ACCOUNT_READ + 1}`, [accountId]);
  if (rows.length > WHOLE_ACCOUNT_READ || rows.some((row) => !PLAIN_ASCII.test(row.email))) return null;
  return new Map(rows.map((row) => [row.email, row]));
}

/** The account's users as ExistingMembers; `rest` follows `WHERE account_id = ?`. */
function selectMembers(manager: EntityManager, rest: string, parameters: string[]): Promise<ExistingMember[]> {
  const q = (name: string) => manager.connection.driver.escape(name);
  return manager.query(
    `SELECT ${q('id')} AS ${q('id')}, ${q('email')} AS ${q('email')}, ${q('status')} AS ${q('status')} FROM ${q('memberships')}` +
      ` WHERE ${q('account_id')} = ? ${rest}`,
    parameters,
  );
}

const PLAIN_ASCII = /^[\x21-\x7e]*$/;
