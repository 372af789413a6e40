import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `rst_` + 12 hex digits of prefix + `_` + 32 random bytes in base64url (43 characters). */
const KEY_PATTERN = /^rst_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKeySecret {
  /** The whole key, shown once. */
  key: string;
  prefix: string;
  hash: string;
}

export function newApiKeySecret(): NewApiKeySecret {
  const prefix = randomBytes(6).toString('hex');
  const key = `rst_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a well-formed key, or null when the value cannot be a Roster key at all. */
export function parseApiKey(value: string): { prefix: string } | null {
  const match = KEY_PATTERN.exec(value);
  return match ? { prefix: match[1]! } : null;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time, so the response time says nothing about how much matched. */
export function sameHash(presentedKey: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(presentedKey), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
