import { describe, expect, it } from 'vitest';
import type { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserSource, UserStatus } from '../accounts/roles.js';
import { InvitationErrorCode } from '../core/errors.js';
import { checkSelection, refusalAboveViewer, refusalUnlessPending } from './pending-selection.js';

function aMembership(changes: Partial<MembershipEntity> = {}): MembershipEntity {
  const now = new Date();
  return {
    id: 'm1',
    accountId: 'a1',
    personId: null,
    email: 'ada@example.test',
    name: null,
    jobTitle: null,
    role: Role.MEMBER,
    status: UserStatus.INVITED,
    source: UserSource.MANUAL,
    externalId: null,
    companyId: null,
    lastActiveAt: null,
    createdAt: now,
    updatedAt: now,
    ...changes,
  };
}

const codeOf = (work: () => void): unknown => {
  try {
    work();
    return null;
  } catch (error) {
    return (error as { extensions?: { code?: unknown } }).extensions?.code;
  }
};

describe('checkSelection', () => {
  it('wants between 1 and 500 users', () => {
    expect(codeOf(() => checkSelection([]))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => checkSelection(['u1']))).toBeNull();
    expect(codeOf(() => checkSelection(Array.from({ length: 500 }, (_, i) => `u${i}`)))).toBeNull();
    expect(codeOf(() => checkSelection(Array.from({ length: 501 }, (_, i) => `u${i}`)))).toBe('BAD_USER_INPUT');
  });
});

describe('refusalUnlessPending', () => {
  it('accepts invited and staged users', () => {
    expect(refusalUnlessPending('m1', aMembership())).toBeNull();
    expect(refusalUnlessPending('m1', aMembership({ status: UserStatus.STAGED }))).toBeNull();
  });

  it('refuses an unknown, an active and a suspended user, each with a message that says why', () => {
    expect(refusalUnlessPending('gone', undefined)).toMatchObject({ userId: 'gone', ok: false, code: 'NOT_FOUND' });
    expect(refusalUnlessPending('m1', aMembership({ status: UserStatus.ACTIVE }))).toMatchObject({
      ok: false,
      code: InvitationErrorCode.NOT_PENDING,
      message: 'ada@example.test has already accepted the invitation.',
    });
    expect(refusalUnlessPending('m1', aMembership({ status: UserStatus.SUSPENDED }))).toMatchObject({
      ok: false,
      code: InvitationErrorCode.NOT_PENDING,
      message: expect.stringContaining('suspended'),
    });
  });
});

describe('refusalAboveViewer', () => {
  it('lets an administrator act on a member invited as a member', () => {
    expect(refusalAboveViewer({ role: Role.ADMIN }, aMembership(), Role.MEMBER, 're-invite')).toBeNull();
  });

  it('refuses an administrator a user whose pending invitation gives the owner role, naming that role', () => {
    const refusal = refusalAboveViewer({ role: Role.ADMIN }, aMembership(), Role.OWNER, 're-invite');
    expect(refusal).toMatchObject({ userId: 'm1', ok: false, inviteLink: null });
    expect(refusal!.message).toContain('ada@example.test');
    expect(refusal!.message.toLowerCase()).toContain('owner');
  });

  it('lets an owner act on anyone', () => {
    expect(
      refusalAboveViewer({ role: Role.OWNER }, aMembership({ role: Role.OWNER }), Role.OWNER, 'withdraw the invitation of'),
    ).toBeNull();
  });
});
