import type { BadgeTone } from '../../ui/Badge.vue';

/** The status badge: NOT_TESTED amber (nothing proved it yet), CONNECTED green, ERROR red (with lastError), DISABLED grey. */
export const STATUS_BADGES: Record<string, { label: string; tone: BadgeTone }> = {
  NOT_TESTED: { label: 'Not tested yet', tone: 'amber' },
  CONNECTED: { label: 'Connected', tone: 'green' },
  ERROR: { label: 'Error', tone: 'red' },
  DISABLED: { label: 'Disabled', tone: 'grey' },
};
export const statusBadge = (status: string) => STATUS_BADGES[status] ?? { label: status, tone: 'grey' as BadgeTone };

/** What an integration's badge says: a SCIM integration its identity provider has never called is waiting, not connected. */
export function integrationBadge(integration: { status: string; type: string; lastRequestAt?: string | null }): {
  label: string;
  tone: BadgeTone;
} {
  if (integration.status === 'CONNECTED' && integration.type === 'SCIM' && !integration.lastRequestAt)
    return { label: 'Waiting for first request', tone: 'blue' };
  return statusBadge(integration.status);
}

/** Why the badge says what it says, when it is not obvious. */
export const NOT_TESTED_HINT = 'Nothing has checked it yet: test the connection or run a sync to find out whether it works.';

export const RUN_STATES: Record<string, { label: string; tone: BadgeTone }> = {
  QUEUED: { label: 'Queued', tone: 'grey' },
  RUNNING: { label: 'Running', tone: 'blue' },
  AWAITING_CONFIRMATION: { label: 'Awaiting confirmation', tone: 'amber' },
  SUCCEEDED: { label: 'Succeeded', tone: 'green' },
  FAILED: { label: 'Failed', tone: 'red' },
  CANCELLED: { label: 'Cancelled', tone: 'grey' },
};
export const runState = (state: string) => RUN_STATES[state] ?? { label: state, tone: 'grey' as BadgeTone };
/** States in which a run still holds the integration (no second run can start). */
export const ACTIVE_RUN_STATES = new Set(['QUEUED', 'RUNNING', 'AWAITING_CONFIRMATION']);

export const TRIGGERS: Record<string, string> = { MANUAL: 'Manual', SCHEDULE: 'Schedule' };

export const ITEM_ACTIONS: Record<string, string> = {
  CREATED: 'Created',
  UPDATED: 'Updated',
  LINKED: 'Linked',
  SUSPENDED: 'Suspended',
  PENDING_SUSPENSION: 'Would suspend',
  PENDING_DELETION: 'Would delete',
  PENDING_ARCHIVE: 'Would archive',
  RESTORED: 'Restored',
  KEPT: 'Kept',
  DELETED: 'Deleted',
  ARCHIVED: 'Archived',
  SKIPPED: 'Skipped',
  FAILED: 'Failed',
};

export const ROLE_LABELS: Record<string, string> = { OWNER: 'Owner', ADMIN: 'Administrator', MEMBER: 'Member' };

/** The schedule choices the server accepts (15 minutes to a week), and on demand only. */
export const SYNC_INTERVALS: Array<{ minutes: number | null; label: string }> = [
  { minutes: null, label: 'On demand only' },
  { minutes: 15, label: 'Every 15 minutes' },
  { minutes: 60, label: 'Every hour' },
  { minutes: 240, label: 'Every 4 hours' },
  { minutes: 720, label: 'Every 12 hours' },
  { minutes: 1440, label: 'Every day' },
  { minutes: 10080, label: 'Every week' },
];

export function intervalLabel(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return 'On demand only';
  const known = SYNC_INTERVALS.find((i) => i.minutes === minutes);
  if (known) return known.label;
  if (minutes % 60 === 0) return `Every ${minutes / 60} hours`;
  return `Every ${minutes} minutes`;
}

/** What a type brings in, in words: "Users and groups". */
export function syncsWhat(capabilities: { users: boolean; groups: boolean; companies: boolean; passwords: boolean }): string {
  const parts = [
    capabilities.users && 'users',
    capabilities.groups && 'groups',
    capabilities.companies && 'companies',
    capabilities.passwords && 'passwords',
  ].filter(Boolean) as string[];
  if (parts.length === 0) return 'Nothing yet';
  const text = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface OptionsForm {
  autoInvite: boolean;
  sendInvitationEmails: boolean;
  defaultRole: 'OWNER' | 'ADMIN' | 'MEMBER';
  onUpstreamRemoval: 'SUSPEND' | 'KEEP';
  suspendThresholdPercent: number;
  syncIntervalMinutes: number | null;
}

/** The server's defaults (integration-kinds.ts): every user brought in gets an invitation email unless turned off. */
export function defaultOptions(type: string): OptionsForm {
  return {
    autoInvite: true,
    sendInvitationEmails: true,
    defaultRole: 'MEMBER',
    onUpstreamRemoval: 'SUSPEND',
    suspendThresholdPercent: 10,
    syncIntervalMinutes: type === 'SCIM' ? null : 1440,
  };
}

/** A problem with the options, by field, or none. */
export function validateOptions(form: OptionsForm): Partial<Record<keyof OptionsForm, string>> {
  const errors: Partial<Record<keyof OptionsForm, string>> = {};
  const threshold = form.suspendThresholdPercent;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 100) {
    errors.suspendThresholdPercent = 'A whole percentage from 0 to 100.';
  }
  return errors;
}
