import { GraphQLError } from 'graphql';
import { ErrorCode } from '../core/errors.js';
import { Role } from './roles.js';

/**
 * Who may grant which role, and who may act on whom: the one rule behind invite, re-invite, showing an invite
 * link, changing roles, imports and integration defaults (SCIM and syncs provision with those). An owner grants
 * any role; an administrator grants ADMIN and MEMBER, never OWNER; a member grants nothing. Acting on a user or
 * an invitation (re-sending it, seeing its link, withdrawing it, changing or restoring the user) counts as
 * granting its role again, so an administrator never acts on an owner or an owner's invitation.
 */
const RANK: Record<Role, number> = { [Role.MEMBER]: 0, [Role.ADMIN]: 1, [Role.OWNER]: 2 };

/** The higher of two roles. */
export const higherRole = (a: Role, b: Role): Role => (RANK[a] >= RANK[b] ? a : b);

export const GrantRefusalCode = {
  /** Only an owner may do this (grant OWNER, or act on an owner or an owner's invitation). */
  OWNER_REQUIRED: 'OWNER_REQUIRED',
  /** Only an administrator (or owner) may do this. */
  ADMIN_REQUIRED: 'ADMIN_REQUIRED',
} as const;
export type GrantRefusalCode = (typeof GrantRefusalCode)[keyof typeof GrantRefusalCode];

export interface GrantRefusal {
  code: GrantRefusalCode;
  /** The least role that would be allowed. */
  requiredRole: Role;
}

/** The roles someone with `granter` may give (invite as, import as, make someone, provision as). */
export function grantableRoles(granter: Role): Role[] {
  if (granter === Role.MEMBER) return [];
  return Object.values(Role).filter((role) => RANK[role] <= RANK[granter]);
}

export function mayGrant(granter: Role, role: Role): boolean {
  return grantableRoles(granter).includes(role);
}

/** Null when `granter` may give `role`; else who may. */
export function refusalToGrant(granter: Role, role: Role): GrantRefusal | null {
  if (mayGrant(granter, role)) return null;
  return role === Role.OWNER
    ? { code: GrantRefusalCode.OWNER_REQUIRED, requiredRole: Role.OWNER }
    : { code: GrantRefusalCode.ADMIN_REQUIRED, requiredRole: Role.ADMIN };
}

/**
 * Null when `actor` may act on someone (or an invitation) holding `targetRoles` (a user's role and the role
 * their pending invitation gives, which can differ): the highest of them must be one `actor` may grant.
 */
export function refusalToActOn(actor: Role, ...targetRoles: Array<Role | null | undefined>): GrantRefusal | null {
  for (const role of targetRoles) {
    if (!role) continue;
    const refusal = refusalToGrant(actor, role);
    if (refusal) return refusal;
  }
  return mayGrant(actor, Role.MEMBER) ? null : { code: GrantRefusalCode.ADMIN_REQUIRED, requiredRole: Role.ADMIN };
}

const NAMES: Record<Role, { one: string; many: string }> = {
  [Role.OWNER]: { one: 'an owner', many: 'owners' },
  [Role.ADMIN]: { one: 'an administrator', many: 'administrators' },
  [Role.MEMBER]: { one: 'a member', many: 'members' },
};
/** "an owner", "an administrator", "a member". */
export const roleName = (role: Role): string => NAMES[role].one;
/** "owners", "administrators", "members". */
export const rolePlural = (role: Role): string => NAMES[role].many;

/** "Only an owner can <doing>." */
export function refusalMessage(refusal: GrantRefusal, doing: string): string {
  return `Only ${roleName(refusal.requiredRole)} can ${doing}.`;
}

/** The refusal as a FORBIDDEN GraphQL error whose `reason` is the stable refusal code. */
export function grantRefusalError(refusal: GrantRefusal, doing: string, field?: string): GraphQLError {
  return new GraphQLError(refusalMessage(refusal, doing), {
    extensions: { code: ErrorCode.FORBIDDEN, reason: refusal.code, requiredRole: refusal.requiredRole, ...(field ? { field } : {}) },
  });
}

/** Throws unless `granter` may give `role`. */
export function assertMayGrant(granter: Role, role: Role, doing: string, field?: string): void {
  const refusal = refusalToGrant(granter, role);
  if (refusal) throw grantRefusalError(refusal, doing, field);
}

/** Throws unless `actor` may act on someone or something holding `targetRole`. */
export function assertMayActOn(actor: Role, targetRole: Role, doing: string, field?: string): void {
  const refusal = refusalToActOn(actor, targetRole);
  if (refusal) throw grantRefusalError(refusal, doing, field);
}
