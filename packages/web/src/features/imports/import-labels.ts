import type { ImportJobState, ImportRowOutcome, ImportRowVerdict } from '@roster/schema/generated';
import type { BadgeTone } from '../../ui/Badge.vue';

export type PreviewVerdict = Exclude<ImportRowVerdict, 'HEADER'>;

/** The verdicts of a preview, in the order the page shows them, with the key of their total. */
export const VERDICTS: ReadonlyArray<{
  verdict: PreviewVerdict;
  label: string;
  tone: BadgeTone;
  total: 'new' | 'alreadyMember' | 'alreadyInvited' | 'invalid' | 'duplicate';
}> = [
  { verdict: 'NEW', label: 'New', tone: 'green', total: 'new' },
  { verdict: 'ALREADY_MEMBER', label: 'Already a member', tone: 'grey', total: 'alreadyMember' },
  { verdict: 'ALREADY_INVITED', label: 'Already invited', tone: 'amber', total: 'alreadyInvited' },
  { verdict: 'INVALID', label: 'Invalid', tone: 'red', total: 'invalid' },
  { verdict: 'DUPLICATE', label: 'Duplicate', tone: 'grey', total: 'duplicate' },
];

export function verdictInfo(verdict: ImportRowVerdict): { label: string; tone: BadgeTone } {
  return VERDICTS.find((v) => v.verdict === verdict) ?? { label: verdict === 'HEADER' ? 'Header' : String(verdict), tone: 'grey' };
}

/** What the import did with each row, in the order the finished view lists them. */
export const OUTCOMES: ReadonlyArray<{
  outcome: ImportRowOutcome;
  label: string;
  tone: BadgeTone;
  total: 'invited' | 'alreadyMember' | 'alreadyInvited' | 'invalid' | 'duplicate' | 'seatLimitReached';
}> = [
  { outcome: 'INVITED', label: 'Invited', tone: 'green', total: 'invited' },
  { outcome: 'ALREADY_MEMBER', label: 'Already a member', tone: 'grey', total: 'alreadyMember' },
  { outcome: 'ALREADY_INVITED', label: 'Already invited', tone: 'amber', total: 'alreadyInvited' },
  { outcome: 'INVALID', label: 'Invalid', tone: 'red', total: 'invalid' },
  { outcome: 'DUPLICATE', label: 'Duplicate', tone: 'grey', total: 'duplicate' },
  { outcome: 'SEAT_LIMIT_REACHED', label: 'Seat limit reached', tone: 'red', total: 'seatLimitReached' },
];

export const STATE_LABELS: Record<ImportJobState, { label: string; tone: BadgeTone }> = {
  PREVIEW: { label: 'Preview', tone: 'amber' },
  RUNNING: { label: 'Running', tone: 'amber' },
  FINISHED: { label: 'Finished', tone: 'green' },
  REJECTED: { label: 'Rejected', tone: 'red' },
  CANCELLED: { label: 'Cancelled', tone: 'grey' },
  EXPIRED: { label: 'Expired', tone: 'grey' },
};

export const ROLE_LABELS: Record<string, string> = { OWNER: 'Owner', ADMIN: 'Administrator', MEMBER: 'Member' };

/** ", (comma)", "; (semicolon)", "Tab". */
export function delimiterLabel(delimiter: string | null): string {
  if (delimiter === ',') return 'Comma (,)';
  if (delimiter === ';') return 'Semicolon (;)';
  if (delimiter === '\t') return 'Tab';
  if (!delimiter) return 'Not detected';
  return `“${delimiter}”`;
}

/** "1 user", "4 users". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
