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
  const q = (name: string) => manager.connection.driver.escape(name);
  const rows: ExistingMember[] = await manager.query(
    `SELECT ${q('id')} AS ${q('id')}, ${q('email')} AS ${q('email')}, ${q('status')} AS ${q('status')} FROM ${q('memberships')}` +
      ` WHERE ${q('account_id')} = ? AND ${q('email')} IN (${new Array<string>(emails.length).fill('?').join(', ')})`,
    [accountId, ...emails],
  );
  return new Map(rows.map((row) => [row.email, row]));
}
