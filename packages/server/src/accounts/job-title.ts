/*
 * The one rule for a user's job title, whichever way it comes in (invite, CSV or pasted import): free text,
 * trimmed, at most MAX_JOB_TITLE characters, and empty means none.
 */

export const MAX_JOB_TITLE = 120;

export type JobTitleReading = { ok: true; jobTitle: string | null } | { ok: false; problem: string };

export function readJobTitle(value: string | null | undefined): JobTitleReading {
  const jobTitle = (value ?? '').trim();
  if (jobTitle.length > MAX_JOB_TITLE) return { ok: false, problem: `${jobTitle.length} characters; at most ${MAX_JOB_TITLE} are allowed` };
  return { ok: true, jobTitle: jobTitle || null };
}
