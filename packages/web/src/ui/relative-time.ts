const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const formatter = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "3 hours ago", "2 days ago", "Just now"; "Never" when there is no date. */
export function formatRelativeTime(value: unknown, now: Date = new Date()): string {
  const date = toDate(value);
  if (!date) return 'Never';
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return 'Just now';
  for (const [unit, size] of UNITS) {
    if (abs >= size) return formatter.format(Math.trunc(seconds / size), unit);
  }
  return 'Just now';
}

/** Full date and time for a tooltip, e.g. "12 Mar 2025, 14:05". */
export function formatDateTime(value: unknown): string | undefined {
  const date = toDate(value);
  if (!date) return undefined;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

export function isoString(value: unknown): string | undefined {
  return toDate(value)?.toISOString();
}

/** A day, e.g. "12 Mar 2025". */
export function formatDate(value: unknown): string | undefined {
  const date = toDate(value);
  if (!date) return undefined;
  return date.toLocaleDateString('en-GB', { dateStyle: 'medium' });
}
