/*
 * The one rule for a user's name, whichever way it comes in (invite, CSV import, SCIM, a sync, the accept
 * page): trimmed, at most MAX_NAME characters (the column's size), and empty means none. Too long is said, not
 * silently cut, where a person typed it; a directory's name (a sync) is shortened with a note on the run.
 */

export const MAX_NAME = 200;

export type NameReading = { ok: true; name: string | null } | { ok: false; problem: string };

export function readName(value: string | null | undefined): NameReading {
  const name = (value ?? '').trim();
  if (name.length > MAX_NAME) return { ok: false, problem: `The name has ${name.length} characters; at most ${MAX_NAME} are allowed.` };
  return { ok: true, name: name || null };
}
