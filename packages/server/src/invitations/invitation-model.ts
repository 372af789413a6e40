import type { DataSource } from 'typeorm';
import type { MembershipEntity } from '../accounts/membership.entity.js';
import type { Role, UserSource } from '../accounts/index.js';
import type { EventBus } from '../core/events.js';
import type { InvitationEntity } from './invitation.entity.js';

/* The words of the invitations feature: what its verbs take and answer, shared by all of them. */

export enum InviteVerdict {
  INVITED = 'INVITED',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  ALREADY_INVITED = 'ALREADY_INVITED',
  INVALID = 'INVALID',
  DUPLICATE = 'DUPLICATE',
  SEAT_LIMIT_REACHED = 'SEAT_LIMIT_REACHED',
}

export interface InviteOptions {
  role: Role;
  companyId?: string | null;
  groupIds?: string[] | null;
  /** Applied to every address of the request; read with accounts' readJobTitle. */
  jobTitle?: string | null;
  sendEmail: boolean;
  source?: UserSource;
}

/** Who sent an invitation, as its email names them ("Alex Admin (alex@msp.test) invited you"). */
export interface Inviter {
  name: string | null;
  email: string;
}

export interface InviteOutcome {
  input: string;
  email: string | null;
  name: string | null;
  verdict: InviteVerdict;
  reason: string | null;
  userId: string | null;
  inviteLink: string | null;
}

export interface UserActionOutcome {
  userId: string;
  email: string | null;
  ok: boolean;
  code: string | null;
  message: string;
  inviteLink: string | null;
}

export enum InvitationLinkState {
  VALID = 'VALID',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
  REPLACED = 'REPLACED',
  ACCEPTED = 'ACCEPTED',
  NOT_FOUND = 'NOT_FOUND',
}

export interface InvitationPreview {
  state: InvitationLinkState;
  accountName: string | null;
  inviterName: string | null;
  email: string | null;
  /** The name this account already has for the invitee, to prefill the accept form. */
  knownName: string | null;
  expiresAt: Date | null;
  /** True when the invitee already has a Roster sign-in (then they sign in instead of choosing a password). */
  hasAccount: boolean;
}

/** A user may be re-invited at most this often, so nobody is spammed. */
export const REINVITE_COOLDOWN_MS = 60_000;

export interface InviteEntry {
  email: string;
  name: string | null;
  /** Already read with accounts' readJobTitle; absent means none. */
  jobTitle?: string | null;
  role: Role;
  companyId: string | null;
  groupIds: string[] | null;
  /** The upstream id of a user an integration brings in (absent for people invited by hand or CSV). */
  externalId?: string | null;
}

export interface NewInvitation {
  membership: MembershipEntity;
  invitation: InvitationEntity;
  token: string;
  name: string | null;
}

/** What every invitation verb works with: the database, the event stream and where accept links point. */
export interface InvitationContext {
  dataSource: DataSource;
  events: EventBus;
  /** The accept page's URL for a token. */
  acceptUrl(token: string): string;
  /** Called after emails were queued in a committed transaction (wakes the outbox worker). */
  onEmailsQueued(): void;
}
