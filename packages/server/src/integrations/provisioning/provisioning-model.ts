import type { MembershipEntity } from '../../accounts/membership.entity.js';
import type { GroupEntity } from '../../groups/group.entity.js';
import type { ExternalLinkEntity } from '../external-link.entity.js';

/* The words of provisioning: what an upstream sends, and what provisioning answers. */

/** A user as the upstream system describes it. */
export interface UpstreamUser {
  /** The upstream id (directory object id, SCIM externalId); null when the upstream sends none. */
  externalId: string | null;
  email: string;
  name: string | null;
  active: boolean;
  /** Upstream attributes Roster does not model, kept so the upstream reads back what it wrote. */
  attributes?: Record<string, unknown> | null;
}

export interface UpstreamGroup {
  externalId: string | null;
  displayName: string;
  attributes?: Record<string, unknown> | null;
}

export interface UpstreamCompany {
  externalId: string;
  name: string;
  /** The company's id in a PSA (ConnectWise Manage, Autotask), as a documentation tool carries it. */
  psaId?: string | null;
  /** Which PSA the id is from, when known: only that PSA's integrations are searched (their ids may collide). */
  psaType?: 'CONNECTWISE' | 'AUTOTASK' | null;
}

export enum ProvisionAction {
  /** A new user, invited (with or without an email, per the options). */
  INVITED = 'INVITED',
  /** A new group or company. */
  CREATED = 'CREATED',
  /** A new user waiting for an admin's review (autoInvite off). */
  STAGED = 'STAGED',
  /** An existing user of the account, matched by email and now tied to the upstream object. */
  LINKED = 'LINKED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  SUSPENDED = 'SUSPENDED',
  RESTORED = 'RESTORED',
  /** Nothing done, with a reason (e.g. an owner is never suspended from upstream). */
  SKIPPED = 'SKIPPED',
  /** Already linked to this integration: a create was asked for something that exists (SCIM 409). */
  CONFLICT = 'CONFLICT',
}

export interface ProvisionResult {
  userId: string | null;
  action: ProvisionAction;
  reason?: string;
}

export interface LinkedUser {
  membership: MembershipEntity;
  link: ExternalLinkEntity;
}

export interface LinkedGroup {
  group: GroupEntity;
  link: ExternalLinkEntity;
}

export class ProvisioningError extends Error {
  constructor(
    readonly code: 'EMAIL_TAKEN' | 'NAME_TAKEN' | 'INVALID_EMAIL' | 'NOT_FOUND' | 'SEAT_LIMIT_REACHED',
    message: string,
  ) {
    super(message);
  }
}
