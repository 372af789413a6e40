import { describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { InvitationErrorCode } from '../core/errors.js';
import { DeliveryStatus, InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import { InvitationLinkState } from './invitation-model.js';
import { failUnlessValid, linkState } from './link-state.js';

const DAY = 86_400_000;

function anInvitation(changes: Partial<InvitationEntity> = {}): InvitationEntity {
  return {
    id: 'i1',
    accountId: 'a1',
    membershipId: 'm1',
    email: 'ada@example.test',
    tokenHash: 'x',
    state: InvitationState.PENDING,
    revokeReason: null,
    role: Role.MEMBER,
    companyId: null,
    groupIds: null,
    invitedByPersonId: null,
    sendEmail: false,
    deliveryStatus: DeliveryStatus.NOT_SENT,
    deliveryError: null,
    lastSentAt: null,
    sendCount: 0,
    expiresAt: new Date(Date.now() + DAY),
    createdAt: new Date(),
    acceptedAt: null,
    revokedAt: null,
    expiryRecordedAt: null,
    ...changes,
  };
}

const codeOf = (invitation: InvitationEntity): unknown => {
  try {
    failUnlessValid(invitation);
    return null;
  } catch (error) {
    return (error as { extensions?: { code?: unknown } }).extensions?.code;
  }
};

describe('linkState', () => {
  it('tells a valid, accepted, replaced, withdrawn and expired link apart', () => {
    expect(linkState(anInvitation())).toBe(InvitationLinkState.VALID);
    expect(linkState(anInvitation({ state: InvitationState.ACCEPTED }))).toBe(InvitationLinkState.ACCEPTED);
    expect(linkState(anInvitation({ state: InvitationState.REVOKED, revokeReason: RevokeReason.REISSUED }))).toBe(
      InvitationLinkState.REPLACED,
    );
    expect(linkState(anInvitation({ state: InvitationState.REVOKED, revokeReason: RevokeReason.UNINVITED }))).toBe(
      InvitationLinkState.REVOKED,
    );
    expect(linkState(anInvitation({ expiresAt: new Date(Date.now() - 1) }))).toBe(InvitationLinkState.EXPIRED);
  });

  it('judges a used link by its state before its expiry', () => {
    expect(linkState(anInvitation({ state: InvitationState.ACCEPTED, expiresAt: new Date(Date.now() - DAY) }))).toBe(
      InvitationLinkState.ACCEPTED,
    );
  });
});

describe('failUnlessValid', () => {
  it('lets a valid link through and refuses every other with its own code', () => {
    expect(codeOf(anInvitation())).toBeNull();
    expect(codeOf(anInvitation({ state: InvitationState.ACCEPTED }))).toBe(InvitationErrorCode.INVITATION_ALREADY_USED);
    expect(codeOf(anInvitation({ state: InvitationState.REVOKED, revokeReason: RevokeReason.REISSUED }))).toBe(
      InvitationErrorCode.INVITATION_REPLACED,
    );
    expect(codeOf(anInvitation({ state: InvitationState.REVOKED, revokeReason: RevokeReason.UNINVITED }))).toBe(
      InvitationErrorCode.INVITATION_REVOKED,
    );
    expect(codeOf(anInvitation({ expiresAt: new Date(Date.now() - 1) }))).toBe(InvitationErrorCode.INVITATION_EXPIRED);
  });
});
