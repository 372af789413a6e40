import { prng } from '../../lib/seed.js';

// The CSV file the import benchmark uploads: generated from a fixed seed, so every run gets the same rows.

const FIRST = [
  'amara',
  'ben',
  'chloe',
  'dev',
  'elena',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kai',
  'lena',
  'mateo',
  'nora',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tara',
];
const LAST = [
  'okafor',
  'schmidt',
  'nakamura',
  'patel',
  'rossi',
  'haddad',
  'kim',
  'lefevre',
  'silva',
  'berg',
  'moreau',
  'novak',
  'garcia',
  'chen',
  'walsh',
];

/** `email,name,role`, every email new to the account (the seeded users live on other domains). */
export function importCsv(rows: number, seed = 7): string {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const cap = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const lines = ['email,name,role'];
  for (let i = 1; i <= rows; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    lines.push(
      `${first}.${last}.${i}@import-${String(i % 40).padStart(2, '0')}.test,${cap(first)} ${cap(last)},${random() < 0.05 ? 'Administrator' : 'Member'}`,
    );
  }
  return lines.join('\r\n') + '\r\n';
}
