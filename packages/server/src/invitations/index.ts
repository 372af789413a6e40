import type DataLoader from 'dataloader';
import type { InvitationExpirySweeper } from './expiry-sweeper.js';
import type { InvitationReminderSweeper } from './reminder-sweeper.js';
import type { InvitationService } from './invitation.service.js';
import type { InvitationInfo } from './invitation.types.js';

/**
 * The invitations feature's public entry: what other features may use. Everything else in this folder
 * (the verb modules, the resolver, the link and token helpers) is its own business.
 */

// The service the composition root builds, and the words its callers (imports, integrations) speak.
export { InvitationService } from './invitation.service.js';
export type { InviteEntry, Inviter, NewInvitation, UserActionOutcome } from './invitation-model.js';
export { InvitationExpirySweeper } from './expiry-sweeper.js';
export { InvitationReminderSweeper, type InvitationReminderOptions } from './reminder-sweeper.js';

// The table, for features that read a user's invitation (the users list, user administration).
export { DeliveryStatus, InvitationEntity, InvitationState } from './invitation.entity.js';

// Reactions owned by this feature: the mail feature reports what became of an invitation email.
export { invitedUserIds, pendingInvitationOf, recordDeliveryReport, recordDeliveryStatus, type DeliveryReport } from './delivery-status.js';

// GraphQL types other features answer with.
export { DevMailboxEmail, InvitationInfo, UserActionPayload } from './invitation.types.js';

// Its services and per-request loader, added to the request context (built by the roof, app/services.ts).
declare module '../core/context.js' {
  interface Services {
    invitations: InvitationService;
    expirySweeper: InvitationExpirySweeper;
    invitationReminders: InvitationReminderSweeper;
  }
  interface Loaders {
    pendingInvitationByMembershipId: DataLoader<string, InvitationInfo | null>;
  }
}

// Used by other features.
export { emailProblem } from './address-list.js';
