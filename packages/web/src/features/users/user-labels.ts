/** How the dashboard words a user's role, status and source (the Users table and the detail panel). */
export const ROLE_LABELS: Record<string, string> = { OWNER: 'Owner', ADMIN: 'Administrator', MEMBER: 'Member' };
export const STATUS_LABELS: Record<string, string> = {
  // The same words as the amber badge and the Status filter.
  INVITED: 'Invitation pending',
  STAGED: 'Awaiting review',
  ACTIVE: 'Active',
  SUSPENDED: 'Suspended',
};
/** Only users brought in by something else say where from; manual invites and CSV imports are the norm. */
export const SOURCE_LABELS: Record<string, { label: string; title: string }> = {
  SCIM: { label: 'SCIM', title: 'Provisioned by an identity provider over SCIM' },
  INTEGRATION: { label: 'Integration', title: 'Synced from an integration' },
};

/** A pending user who was never emailed (brought in without emails, or invited to share the link by hand): "Not emailed yet". */
export function invitationNotEmailed(user: { invitationPending: boolean; invitation?: { deliveryStatus: unknown } | null }): boolean {
  return user.invitationPending && (user.invitation?.deliveryStatus as string | undefined) === 'NOT_SENT';
}

/** A pending user whose invitation email could not be sent (the red "Email failed" badge; Retry sends it again). */
export function invitationEmailFailed(user: { invitationPending: boolean; invitation?: { deliveryStatus: unknown } | null }): boolean {
  return user.invitationPending && (user.invitation?.deliveryStatus as string | undefined) === 'FAILED';
}
