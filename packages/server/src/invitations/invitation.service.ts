import type { DataSource, EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity.js';
import type { MembershipEntity } from '../accounts/membership.entity.js';
import type { UserSource } from '../accounts/index.js';
import type { Actor } from '../audit/index.js';
import type { Viewer } from '../core/viewer.js';
import type { EventBus } from '../core/events.js';
import { accept } from './accept.js';
import type { ParsedAddress } from './address-list.js';
import { announce, createWithin } from './create-invitations.js';
import { emailsHiddenFrom } from './email-visibility.js';
import type {
  InvitationContext,
  InvitationPreview,
  InviteEntry,
  InviteOptions,
  InviteOutcome,
  Inviter,
  NewInvitation,
  UserActionOutcome,
} from './invitation-model.js';
import { invite, inviteAddresses } from './invite.js';
import { findByToken, linkState, preview } from './link-state.js';
import { InvitationLinkState } from './invitation-model.js';
import { reinvite } from './reinvite.js';
import { InvitationReminderSweeper, type InvitationReminderOptions } from './reminder-sweeper.js';
import type { Logger } from '../core/logger.js';
import { uninvite } from './uninvite.js';

export * from './invitation-model.js';

/**
 * The invitation lifecycle as one service for the composition root and the resolvers: each verb lives in
 * its own module (invite.ts, reinvite.ts, uninvite.ts, accept.ts, link-state.ts, create-invitations.ts);
 * this only binds them to the server's database, event stream and public URL.
 */
export class InvitationService {
  private readonly context: InvitationContext;

  constructor(dataSource: DataSource, events: EventBus, publicUrl: () => string, onEmailsQueued: () => void) {
    this.context = { dataSource, events, acceptUrl: (token) => `${publicUrl()}/invitations/${token}`, onEmailsQueued };
  }

  acceptUrl(token: string): string {
    return this.context.acceptUrl(token);
  }

  /** Invites every valid, new address of a pasted list; every entry gets its verdict. */
  inviteAddresses(viewer: Viewer, text: string, options: InviteOptions): Promise<InviteOutcome[]> {
    return inviteAddresses(this.context, viewer, text, options);
  }

  /** The shared core for pasted lists, CSV rows and integrations. */
  invite(
    viewer: Pick<Viewer, 'accountId' | 'role' | 'personId'>,
    actor: Actor,
    entries: ParsedAddress[],
    options: InviteOptions,
  ): Promise<InviteOutcome[]> {
    return invite(this.context, viewer, actor, entries, options);
  }

  /** Creates users, their invitations, emails and audit entries inside the caller's transaction (imports, integrations). */
  createWithin(
    manager: EntityManager,
    account: AccountEntity,
    inviterPersonId: string | null,
    actor: Actor,
    entries: InviteEntry[],
    options: { sendEmail: boolean; source: UserSource; inviter?: Inviter | null },
  ): Promise<NewInvitation[]> {
    return createWithin(this.context, manager, account, inviterPersonId, actor, entries, options);
  }

  /** Tells live dashboards and the outbox worker about invitations committed by a caller's transaction. */
  announceInvited(accountId: string, created: NewInvitation[], emailsQueued: boolean): void {
    announce(this.context, accountId, 'user.invited', created, emailsQueued);
  }

  /** A new link for each pending user (the old one dies, the lifetime restarts); per-user results. */
  reinvite(viewer: Viewer, userIds: string[], sendEmail: boolean): Promise<UserActionOutcome[]> {
    return reinvite(this.context, viewer, userIds, sendEmail);
  }

  /** The worker that re-sends emailed pending invitations before they expire, as each account's setting asks. */
  reminderSweeper(logger: Logger, options?: InvitationReminderOptions): InvitationReminderSweeper {
    return new InvitationReminderSweeper(this.context, logger, options);
  }

  /** Revokes each pending user's invitation and removes them from the pending list; per-user results. */
  uninvite(viewer: Viewer, userIds: string[]): Promise<UserActionOutcome[]> {
    return uninvite(this.context, viewer, userIds);
  }

  /** What the accept page shows for a link, without consuming it (mail scanners open links too). */
  preview(token: string): Promise<InvitationPreview> {
    return preview(this.context, token);
  }

  /**
   * The account and email of a link that can still be accepted (SSO starts there), or null; like `preview`, it does
   * not consume the link.
   */
  async acceptable(token: string): Promise<{ accountId: string; email: string } | null> {
    const invitation = await findByToken(this.context, token);
    return invitation && linkState(invitation) === InvitationLinkState.VALID
      ? { accountId: invitation.accountId, email: invitation.email }
      : null;
  }

  /** Accepts an invitation (single use); see accept.ts. */
  accept(
    token: string,
    input: { name?: string | null; password?: string | null; verifiedBySso?: boolean },
    signedIn: Viewer | null,
  ): Promise<{ personId: string; membership: MembershipEntity }> {
    return accept(this.context, token, input, signedIn);
  }

  /** Which of these dev mailbox emails carry an accept link the viewer may not see. */
  emailsHiddenFrom(viewer: Pick<Viewer, 'accountId' | 'role'>, outboxIds: string[]): Promise<Set<string>> {
    return emailsHiddenFrom(this.context, viewer, outboxIds);
  }
}
