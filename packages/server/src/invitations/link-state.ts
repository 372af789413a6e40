import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { InvitationErrorCode, invitationError } from '../core/errors.js';
import { hashToken } from '../auth/index.js';
import { InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import { isWellFormedToken, tokenMatches } from './invitation-tokens.js';
import { InvitationLinkState, type InvitationContext, type InvitationPreview } from './invitation-model.js';

/** What the accept page shows for a link, without consuming it (mail scanners open links too). */
export async function preview(ctx: InvitationContext, token: string): Promise<InvitationPreview> {
  const invitation = await findByToken(ctx, token);
  if (!invitation)
    return {
      state: InvitationLinkState.NOT_FOUND,
      accountName: null,
      inviterName: null,
      email: null,
      knownName: null,
      expiresAt: null,
      hasAccount: false,
    };
  const [account, inviter, person, membership] = await Promise.all([
    ctx.dataSource.getRepository(AccountEntity).findOneBy({ id: invitation.accountId }),
    invitation.invitedByPersonId ? ctx.dataSource.getRepository(PersonEntity).findOneBy({ id: invitation.invitedByPersonId }) : null,
    ctx.dataSource.getRepository(PersonEntity).findOneBy({ email: invitation.email }),
    invitation.membershipId ? ctx.dataSource.getRepository(MembershipEntity).findOneBy({ id: invitation.membershipId }) : null,
  ]);
  return {
    state: linkState(invitation),
    accountName: account?.name ?? null,
    inviterName: inviter ? (inviter.name ?? inviter.email) : null,
    email: invitation.email,
    // Only for a link that can still be used: a dead link says nothing about the person.
    knownName: linkState(invitation) === InvitationLinkState.VALID ? (membership?.name ?? person?.name ?? null) : null,
    expiresAt: invitation.expiresAt,
    hasAccount: Boolean(person?.passwordHash),
  };
}

/** The invitation a link carries, or null for a malformed or unknown token (compared in constant time). */
export async function findByToken(ctx: InvitationContext, token: string): Promise<InvitationEntity | null> {
  if (!isWellFormedToken(token)) return null;
  const invitation = await ctx.dataSource.getRepository(InvitationEntity).findOneBy({ tokenHash: hashToken(token) });
  return invitation && tokenMatches(token, invitation.tokenHash) ? invitation : null;
}

/** What state a link is in, as the accept page and the accept verb see it. */
export function linkState(invitation: InvitationEntity): InvitationLinkState {
  if (invitation.state === InvitationState.ACCEPTED) return InvitationLinkState.ACCEPTED;
  if (invitation.state === InvitationState.REVOKED)
    return invitation.revokeReason === RevokeReason.REISSUED ? InvitationLinkState.REPLACED : InvitationLinkState.REVOKED;
  if (invitation.expiresAt.getTime() <= Date.now()) return InvitationLinkState.EXPIRED;
  return InvitationLinkState.VALID;
}

/** Throws the typed error for a link that cannot be accepted (used, replaced, withdrawn, expired). */
export function failUnlessValid(invitation: InvitationEntity): void {
  switch (linkState(invitation)) {
    case InvitationLinkState.ACCEPTED:
      throw invitationError(InvitationErrorCode.INVITATION_ALREADY_USED, 'This invitation has already been used. Sign in instead.');
    case InvitationLinkState.REPLACED:
      throw invitationError(
        InvitationErrorCode.INVITATION_REPLACED,
        'A newer invitation was sent to you; this link no longer works. Use the link in the most recent email.',
      );
    case InvitationLinkState.REVOKED:
      throw invitationError(InvitationErrorCode.INVITATION_REVOKED, 'This invitation was withdrawn. Ask your administrator for a new one.');
    case InvitationLinkState.EXPIRED:
      throw invitationError(
        InvitationErrorCode.INVITATION_EXPIRED,
        `This invitation expired on ${invitation.expiresAt.toISOString().slice(0, 10)}. Ask your administrator to re-invite you.`,
      );
    default:
  }
}
