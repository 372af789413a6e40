import { randomUUID } from 'node:crypto';
import { ValueTransformer } from 'typeorm';

/** Ids are UUIDs made in code, so multi-row inserts know every id up front. */
export const newId = (): string => randomUUID();

/**
 * Timestamps are stored as UTC `datetime(3)` on MySQL and as ISO-like text on SQLite; this transformer makes
 * both come back as Date and go in as UTC text, so comparisons behave the same on both dialects.
 */
export const utcDate: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? toSqlDateTime(value) : value),
  from: (value: Date | string | null) => (value === null || value === undefined ? null : fromSqlDateTime(value)),
};

export function toSqlDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromSqlDateTime(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(value.includes('T') ? value : value.replace(' ', 'T') + 'Z');
}

/** Emails are compared trimmed and case-insensitively everywhere; this is the one place that decides how. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
