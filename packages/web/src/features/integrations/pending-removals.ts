/**
 * What a sync stopped by the mass-removal safeguard would remove once confirmed (users suspended, groups deleted, vault
 * items archived), in the words of its notice, its confirmation dialog and the toast after it.
 */

export interface PendingCounts {
  pendingSuspensions: number;
  pendingGroupDeletions: number;
  pendingVaultArchives: number;
}

interface Kind {
  /** The items filter and the caption of their list. */
  action: 'PENDING_SUSPENSION' | 'PENDING_DELETION' | 'PENDING_ARCHIVE';
  caption: string;
  count: number;
  noun: [singular: string, plural: string];
  verb: { gerund: string; imperative: string; third: string };
  consequence: string;
}

const kindsOf = (run: PendingCounts): Kind[] =>
  [
    {
      action: 'PENDING_SUSPENSION' as const,
      caption: 'Users the run would suspend',
      count: run.pendingSuspensions,
      noun: ['user', 'users'] as [string, string],
      verb: { gerund: 'suspending', imperative: 'suspend', third: 'suspends' },
      consequence: 'Suspended users can no longer sign in until restored; nothing is deleted.',
    },
    {
      action: 'PENDING_DELETION' as const,
      caption: 'Groups the run would delete',
      count: run.pendingGroupDeletions,
      noun: ['group', 'groups'] as [string, string],
      verb: { gerund: 'deleting', imperative: 'delete', third: 'deletes' },
      consequence: 'Deleted groups are gone; their users stay.',
    },
    {
      action: 'PENDING_ARCHIVE' as const,
      caption: 'Vault items the run would archive',
      count: run.pendingVaultArchives,
      noun: ['vault item', 'vault items'] as [string, string],
      verb: { gerund: 'archiving', imperative: 'archive', third: 'archives' },
      consequence: 'Archived vault items leave the vault’s list and stay readable among the archived ones.',
    },
  ].filter((kind) => kind.count > 0);

/** "a", "a and b", "a, b and c". */
function listOf(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const counted = (kind: Kind, article = '') => `${article}${kind.count} ${kind.noun[kind.count === 1 ? 0 : 1]}`;

/** The wording for one waiting run; `lists` are the item lists to show, one per kind it would remove. */
export function pendingRemovals(run: PendingCounts) {
  const kinds = kindsOf(run);
  const only = kinds.length === 1 ? kinds[0]! : null;
  const ask = listOf(kinds.map((kind) => `${kind.verb.imperative} ${counted(kind, 'the ')}`));
  return {
    /** e.g. "suspending 2 users, deleting 3 groups and archiving 1 vault item". */
    summary: listOf(kinds.map((kind) => `${kind.verb.gerund} ${counted(kind)}`)),
    lists: kinds.map((kind) => ({ action: kind.action, caption: kind.caption })),
    dialogTitle: only?.action === 'PENDING_SUSPENSION' ? 'Confirm the suspensions' : 'Confirm the removals',
    dialogMessage: `${ask.charAt(0).toUpperCase()}${ask.slice(1)} this sync listed? ${kinds.map((kind) => kind.consequence).join(' ')}`,
    confirmLabel: only ? `Confirm and ${only.verb.imperative}` : 'Confirm all',
    toast: `Confirmed: the sync goes on and ${listOf(kinds.map((kind) => `${kind.verb.third} ${counted(kind, 'the ')}`))} it listed.`,
  };
}
