import type { EntityManager } from 'typeorm';
import { seatLimitMessage } from '../core/errors.js';
import { UserStatus } from './roles.js';

/*
 * Seat limits: the one place that says what takes a seat and how many are left. Every writer that makes a user take a
 * seat (a new invitation from a pasted list, a CSV import, an integration or SCIM; a staged user invited; a suspended
 * user restored) claims its seats here, inside its own transaction, before writing.
 */

/** The statuses that take a seat: active users and pending invitations (suspended and staged users do not). */
export const SEAT_STATUSES: readonly UserStatus[] = [UserStatus.ACTIVE, UserStatus.INVITED];

/** Whether a user of this status takes a seat. */
export const takesSeat = (status: UserStatus): boolean => SEAT_STATUSES.includes(status);

/** A claim's answer: how many of the wanted seats may be used now, and how the account stood before. */
export interface SeatClaim {
  /** How many of the wanted seats were granted (all of them when the account has no limit). */
  granted: number;
  /** The account's limit; null when unlimited. */
  limit: number | null;
  /** Seats that were left before this claim (never below 0); null when unlimited. */
  available: number | null;
}

/** Seats used by an account: one COUNT over the status index. `locking`: read the latest committed rows (MySQL). */
export async function countSeatsUsed(manager: EntityManager, accountId: string, locking = false): Promise<number> {
  const q = (name: string) => manager.connection.driver.escape(name);
  const lock = locking && isMysql(manager) ? ' LOCK IN SHARE MODE' : '';
  const rows: Array<{ n: number | string }> = await manager.query(
    `SELECT COUNT(*) AS ${q('n')} FROM ${q('memberships')} WHERE ${q('account_id')} = ? AND ${q('status')} IN (${SEAT_STATUSES.map(() => '?').join(', ')})${lock}`,
    [accountId, ...SEAT_STATUSES],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Claims up to `wanted` seats inside the caller's transaction and answers how many it may use: the first `granted`
 * go in, the rest are refused with SEAT_LIMIT_REACHED (`seatRefusal`). An account with a limit is locked first (its
 * row, FOR UPDATE, on MySQL; SQLite runs one transaction at a time), and the seats are counted after the lock from
 * the latest committed rows, so two imports at once cannot both take the last seats. An unlimited account is neither
 * locked nor counted. Call it before the transaction's other writes, so the account lock is its first.
 */
export async function claimSeats(manager: EntityManager, accountId: string, wanted: number): Promise<SeatClaim> {
  if (wanted <= 0) return { granted: 0, limit: null, available: null };
  const limit = await readLimit(manager, accountId, false);
  if (limit === null) return { granted: wanted, limit: null, available: null };
  // Read again under the lock: the limit may have changed in between.
  const locked = await readLimit(manager, accountId, true);
  if (locked === null) return { granted: wanted, limit: null, available: null };
  const available = Math.max(0, locked - (await countSeatsUsed(manager, accountId, true)));
  return { granted: Math.min(wanted, available), limit: locked, available };
}

/** The message of an item refused by a claim (SEAT_LIMIT_REACHED): the seats left once the granted ones are used. */
export function seatRefusal(claim: SeatClaim): string {
  return seatLimitMessage(Math.max(0, (claim.available ?? 0) - claim.granted), claim.limit ?? 0);
}

/** Checks a new seat limit: a positive whole number, or null for unlimited. Below current usage is allowed (it blocks new seats only). */
export function readSeatLimit(value: number | null): { ok: true; limit: number | null } | { ok: false; problem: string } {
  if (value === null) return { ok: true, limit: null };
  if (!Number.isInteger(value) || value < 1 || value > 10_000_000)
    return { ok: false, problem: 'The seat limit must be a whole number from 1 to 10,000,000, or empty for unlimited.' };
  return { ok: true, limit: value };
}

async function readLimit(manager: EntityManager, accountId: string, lock: boolean): Promise<number | null> {
  const q = (name: string) => manager.connection.driver.escape(name);
  const forUpdate = lock && isMysql(manager) ? ' FOR UPDATE' : '';
  const rows: Array<{ seatLimit: number | string | null }> = await manager.query(
    `SELECT ${q('seat_limit')} AS ${q('seatLimit')} FROM ${q('accounts')} WHERE ${q('id')} = ?${forUpdate}`,
    [accountId],
  );
  const value = rows[0]?.seatLimit;
  return value === null || value === undefined ? null : Number(value);
}

const isMysql = (manager: EntityManager) => ['mysql', 'mariadb'].includes(manager.connection.options.type);
