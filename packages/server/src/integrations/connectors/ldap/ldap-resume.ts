import type { DirectoryPage } from '../connector.js';

/**
 * Resuming an LDAP listing. The paged-results cookie (RFC 2696) is only valid on the connection that made it
 * (the server forgets it when that connection closes), so it cannot be the cursor of a run resumed later on a
 * new connection. The cursor instead says how many entries were delivered and which was the last one; a
 * resumed listing reads the directory again from the start and skips that many, but only when the entry at
 * that position is still the one delivered last. When it is not (entries were added, moved or deleted in
 * between, so positions shifted), the listing is delivered again from the start: applying it is idempotent
 * (by external id), so nothing is skipped or doubled in Roster; only that run's counts see some entries twice.
 * Skipping costs a re-read of the skipped entries, not their processing.
 */
interface ResumePoint {
  delivered: number;
  last: string;
}

function parseCursor(cursor: string | null): ResumePoint | null {
  if (!cursor) return null;
  try {
    const value = JSON.parse(cursor) as Partial<ResumePoint>;
    if (typeof value.delivered === 'number' && value.delivered > 0 && typeof value.last === 'string')
      return { delivered: value.delivered, last: value.last };
  } catch {
    // A cursor of another shape (an older version): start over.
  }
  return null;
}

/**
 * Pages of `read()` (read afresh for every attempt) with resume cursors, skipping what `cursor` says was
 * delivered. A page is held until the next one arrives, so the last page is the one with `next: null`.
 */
export async function* resumablePages<T extends { externalId: string }>(
  cursor: string | null,
  read: () => AsyncIterable<T[]>,
): AsyncGenerator<DirectoryPage<T>> {
  let resume = parseCursor(cursor);
  for (;;) {
    let position = 0;
    let last: string | null = null;
    let held: T[] | null = null;
    let restart = false;
    for await (const batch of read()) {
      const page: T[] = [];
      for (const item of batch) {
        position++;
        if (resume && position <= resume.delivered) {
          if (position === resume.delivered && item.externalId !== resume.last) {
            restart = true;
            break;
          }
          continue;
        }
        page.push(item);
      }
      if (restart) break;
      if (page.length === 0) continue;
      if (held) yield { items: held, next: JSON.stringify({ delivered: position - page.length, last }) };
      held = page;
      last = page[page.length - 1]!.externalId;
    }
    // Fewer entries than were delivered: the directory shrank, so positions shifted too.
    if (resume && position < resume.delivered) restart = true;
    if (restart) {
      resume = null;
      continue;
    }
    if (held) yield { items: held, next: null };
    return;
  }
}
