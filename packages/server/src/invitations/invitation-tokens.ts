import { timingSafeEqual } from 'node:crypto';
import { hashToken } from '../auth/index.js';

/** Tokens are 32 random bytes in base64url: exactly 43 characters of [A-Za-z0-9_-]. */
export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** Compares a presented token with a stored hash without leaking, by timing, how much of it matched. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
