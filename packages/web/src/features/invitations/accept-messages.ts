/** What the accept page says for each state of an invitation link, and for each acceptInvitation error. */

export type LinkState = 'VALID' | 'EXPIRED' | 'REVOKED' | 'REPLACED' | 'ACCEPTED' | 'NOT_FOUND';

export const LINK_STATE_MESSAGES: Record<Exclude<LinkState, 'VALID'>, string> = {
  EXPIRED: 'This invitation has expired. Ask your administrator to send a new one.',
  REVOKED: 'This invitation was withdrawn by your administrator.',
  REPLACED: 'A newer invitation was sent to you; use the link in the most recent email.',
  ACCEPTED: 'This invitation has already been used. Sign in instead.',
  NOT_FOUND: 'This invitation link is not valid. Check that you copied the whole link.',
};

/** The heading of a page whose link can no longer be used: the reason comes first, not who sent the invitation. */
export const LINK_STATE_HEADINGS: Record<Exclude<LinkState, 'VALID'>, string> = {
  EXPIRED: 'This invitation has expired',
  REVOKED: 'This invitation was withdrawn',
  REPLACED: 'This invitation link was replaced',
  ACCEPTED: 'This invitation has already been used',
  NOT_FOUND: 'Invitation not found',
};

/** Under a dead link's reason: what the invitation was, as context ("From Olivia Owner, to join Northwind MSP."). */
export function deadLinkContext(inviterName: string | null | undefined, accountName: string | null | undefined): string | null {
  if (!accountName) return null;
  return inviterName
    ? `The invitation was from ${inviterName}, to join ${accountName} on Roster.`
    : `The invitation was to join ${accountName} on Roster.`;
}

/** acceptInvitation error codes that mean the link itself can no longer be used. */
export const LINK_STATE_BY_ERROR_CODE: Record<string, Exclude<LinkState, 'VALID'>> = {
  INVITATION_EXPIRED: 'EXPIRED',
  INVITATION_REVOKED: 'REVOKED',
  INVITATION_REPLACED: 'REPLACED',
  INVITATION_ALREADY_USED: 'ACCEPTED',
  INVITATION_NOT_FOUND: 'NOT_FOUND',
};

export const MIN_PASSWORD_LENGTH = 10;

/** Heading of the accept page: "Olivia Owner invited you to join Northwind MSP on Roster". */
export function invitationHeading(inviterName: string | null | undefined, accountName: string | null | undefined): string {
  if (!accountName) return 'Your Roster invitation';
  if (!inviterName) return `You are invited to join ${accountName} on Roster`;
  return `${inviterName} invited you to join ${accountName} on Roster`;
}
