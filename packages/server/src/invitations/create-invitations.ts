import type { EntityManager } from 'typeorm';
import type { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { UserStatus, type UserSource } from '../accounts/index.js';
import { recordAudit, type Actor } from '../audit/index.js';
import { hashToken, newSecretToken } from '../auth/index.js';
import { newId } from '../core/db/columns.js';
import { bulkInsertEntities } from '../core/db/bulk-insert.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { renderInvitationEmail } from '../mail/index.js';
import { enqueueEmails, type EmailToQueue } from '../mail/index.js';
import type { AccountEvent } from '../core/events.js';
import { DeliveryStatus, InvitationEntity, InvitationState } from './invitation.entity.js';
import type { InvitationContext, InviteEntry, InviteOptions, Inviter, NewInvitation } from './invitation-model.js';

/*
 * Writing invitations: the one path by which a pending user and their invitation come to exist, whoever
 * asks (a pasted list, a CSV import, an integration, a re-invite), with its email and audit entry.
 */

/**
 * Creates users, their invitations, emails and audit entries inside the caller's transaction, with
 * multi-row inserts. Callers have already made sure the emails are new to the account (the database's
 * unique index still has the last word).
 */
export async function createWithin(
  ctx: InvitationContext,
  manager: EntityManager,
  account: AccountEntity,
  inviterPersonId: string | null,
  actor: Actor,
  entries: InviteEntry[],
  /** `inviter`: the person `inviterPersonId` names, when the caller already read them (an import, once per job). */
  options: { sendEmail: boolean; source: UserSource; inviter?: Inviter | null },
): Promise<NewInvitation[]> {
  const now = new Date();
  const created: NewInvitation[] = entries.map((entry) => {
    const membership: MembershipEntity = {
      id: newId(),
      accountId: account.id,
      personId: null,
      email: entry.email,
      name: entry.name,
      jobTitle: entry.jobTitle ?? null,
      role: entry.role,
      status: UserStatus.INVITED,
      source: options.source,
      externalId: entry.externalId ?? null,
      // Shown and filterable while the invitation is pending; applied again on acceptance.
      companyId: entry.companyId,
      lastActiveAt: null,
      createdAt: now,
      updatedAt: now,
    };
    const token = newSecretToken();
    const invitation = newInvitation(account, membership, token, inviterPersonId, { ...entry, sendEmail: options.sendEmail }, now);
    return { membership, token, name: entry.name, invitation };
  });
  // Plain multi-row INSERTs: every column is known here, so nothing needs reading back (RETURNING).
  await bulkInsertEntities(
    manager,
    MembershipEntity,
    created.map((c) => c.membership),
  );
  await bulkInsertEntities(
    manager,
    InvitationEntity,
    created.map((c) => c.invitation),
  );
  const groupMembers = created.flatMap((c, index) =>
    [...new Set(entries[index]!.groupIds ?? [])].map((groupId) => ({ groupId, membershipId: c.membership.id, accountId: account.id })),
  );
  await bulkInsertEntities(manager, GroupMemberEntity, groupMembers);
  if (options.sendEmail)
    await enqueueEmails(manager, await emailsFor(ctx, manager, account, inviterPersonId, created, { inviter: options.inviter }));
  await recordAudit(
    manager,
    account.id,
    actor,
    created.map((c) => ({
      action: 'user.invited',
      targetId: c.membership.id,
      targetEmail: c.membership.email,
      details: { role: c.membership.role, sendEmail: options.sendEmail, source: options.source },
    })),
  );
  return created;
}

/**
 * A new pending invitation for a user (re-invites and reminders make one too); the token itself is never stored. It
 * lives the account's invitation lifetime unless `kept` says otherwise (a reminder keeps the expiry it replaces).
 */
export function newInvitation(
  account: AccountEntity,
  membership: MembershipEntity,
  token: string,
  invitedBy: string | null,
  options: Pick<InviteOptions, 'role' | 'companyId' | 'groupIds' | 'sendEmail'>,
  now: Date,
  kept: Partial<Pick<InvitationEntity, 'expiresAt' | 'reminderSentAt'>> = {},
): InvitationEntity {
  return {
    id: newId(),
    accountId: account.id,
    membershipId: membership.id,
    email: membership.email,
    tokenHash: hashToken(token),
    state: InvitationState.PENDING,
    revokeReason: null,
    role: options.role,
    companyId: options.companyId ?? null,
    groupIds: options.groupIds?.length ? JSON.stringify(options.groupIds) : null,
    invitedByPersonId: invitedBy,
    sendEmail: options.sendEmail,
    deliveryStatus: options.sendEmail ? DeliveryStatus.QUEUED : DeliveryStatus.NOT_SENT,
    deliveryError: null,
    lastSentAt: null,
    sendCount: 0,
    expiresAt: new Date(now.getTime() + account.invitationLifetimeDays * 86_400_000),
    createdAt: now,
    acceptedAt: null,
    revokedAt: null,
    expiryRecordedAt: null,
    reminderSentAt: null,
    ...kept,
  };
}

/** The invitation emails of these new invitations, rendered in the account's name. */
export async function emailsFor(
  ctx: InvitationContext,
  manager: EntityManager,
  account: AccountEntity,
  inviterId: string | null,
  created: NewInvitation[],
  options: { reminder?: boolean; inviter?: Inviter | null } = {},
): Promise<EmailToQueue[]> {
  const inviter =
    options.inviter !== undefined
      ? options.inviter
      : inviterId
        ? await manager.getRepository(PersonEntity).findOneBy({ id: inviterId })
        : null;
  return created.map((c) => {
    const acceptUrl = ctx.acceptUrl(c.token);
    const email = renderInvitationEmail({
      mspName: account.name,
      inviterName: inviter?.name ?? null,
      inviterEmail: inviter?.email ?? null,
      // The name this account knows for the person, when there is one ("Hello Nina,").
      inviteeName: c.name ?? c.membership.name,
      acceptUrl,
      expiresAt: c.invitation.expiresAt,
      reminder: options.reminder,
    });
    return {
      accountId: account.id,
      invitationId: c.invitation.id,
      to: c.membership.email,
      subject: email.subject,
      html: email.html,
      text: email.text,
      actionUrl: acceptUrl,
    };
  });
}

/** Tells live dashboards and the outbox worker about invitations committed by a caller's transaction. */
export function announce(
  ctx: InvitationContext,
  accountId: string,
  type: AccountEvent['type'],
  created: NewInvitation[],
  emailsQueued: boolean,
): void {
  if (created.length === 0) return;
  ctx.events.publish({ accountId, type, userIds: created.map((c) => c.membership.id), at: new Date() });
  if (emailsQueued) ctx.onEmailsQueued();
}
