import { describe, expect, it } from 'vitest';
import { assertMayGrant, grantableRoles, mayGrant, refusalToActOn, refusalToGrant } from './role-grants.js';
import { Role } from './roles.js';

describe('who may grant which role', () => {
  it('lets an owner grant any role, an administrator ADMIN and MEMBER, a member nothing', () => {
    expect(grantableRoles(Role.OWNER).sort()).toEqual([Role.ADMIN, Role.MEMBER, Role.OWNER]);
    expect(grantableRoles(Role.ADMIN).sort()).toEqual([Role.ADMIN, Role.MEMBER]);
    expect(grantableRoles(Role.MEMBER)).toEqual([]);
    const table = Object.values(Role).map((granter) => [granter, ...Object.values(Role).map((role) => mayGrant(granter, role))]);
    expect(table).toEqual([
      // granter,   OWNER, ADMIN, MEMBER
      [Role.OWNER, true, true, true],
      [Role.ADMIN, false, true, true],
      [Role.MEMBER, false, false, false],
    ]);
  });

  it('names who would be allowed, with a stable code', () => {
    expect(refusalToGrant(Role.ADMIN, Role.OWNER)).toEqual({ code: 'OWNER_REQUIRED', requiredRole: Role.OWNER });
    expect(refusalToGrant(Role.MEMBER, Role.MEMBER)).toEqual({ code: 'ADMIN_REQUIRED', requiredRole: Role.ADMIN });
    expect(refusalToGrant(Role.OWNER, Role.OWNER)).toBeNull();
    expect(() => assertMayGrant(Role.ADMIN, Role.OWNER, 'invite owners', 'input.role')).toThrow(
      expect.objectContaining({
        message: 'Only an owner can invite owners.',
        extensions: { code: 'FORBIDDEN', reason: 'OWNER_REQUIRED', requiredRole: 'OWNER', field: 'input.role' },
      }),
    );
  });

  it('refuses acting on anyone whose role, or whose invitation, is above the actor', () => {
    expect(refusalToActOn(Role.ADMIN, Role.ADMIN)).toBeNull();
    expect(refusalToActOn(Role.ADMIN, Role.MEMBER, null)).toBeNull();
    // A member whose pending invitation makes them an owner is an owner for this purpose.
    expect(refusalToActOn(Role.ADMIN, Role.MEMBER, Role.OWNER)).toMatchObject({ code: 'OWNER_REQUIRED' });
    expect(refusalToActOn(Role.ADMIN, Role.OWNER)).toMatchObject({ code: 'OWNER_REQUIRED' });
    expect(refusalToActOn(Role.OWNER, Role.OWNER, Role.OWNER)).toBeNull();
    expect(refusalToActOn(Role.MEMBER, Role.MEMBER)).toMatchObject({ code: 'ADMIN_REQUIRED' });
    expect(refusalToActOn(Role.MEMBER)).toMatchObject({ code: 'ADMIN_REQUIRED' });
  });
});
