import { describe, expect, it } from 'vitest';
import { formatRelativeTime } from './relative-time';

const now = new Date('2025-06-15T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

describe('last activity, relative', () => {
  it.each([
    [null, 'Never'],
    [undefined, 'Never'],
    ['not a date', 'Never'],
    [ago(20), 'Just now'],
    [ago(5 * 60), '5 minutes ago'],
    [ago(3 * 3600), '3 hours ago'],
    [ago(26 * 3600), '1 day ago'],
    [ago(10 * 86400), '1 week ago'],
    [ago(65 * 86400), '2 months ago'],
    [ago(800 * 86400), '2 years ago'],
  ])('%s reads "%s"', (value, expected) => {
    expect(formatRelativeTime(value, now)).toBe(expected);
  });
});
