import { DataSource, In, type EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { assertMayGrant, higherRole, refusalMessage, refusalToActOn, roleName, rolePlural } from '../accounts/role-grants.js';
import { Role, UserSource, UserStatus } from '../accounts/roles.js';
import { badInput, invalidCredentials, InvitationErrorCode, invitationError, notFound } from '../app/errors.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import { hashPassword, verifyPassword } from '../auth/password.js';
import { hashToken, newSecretToken } from '../auth/tokens.js';
import { bulkInsertEntities } from '../db/bulk-insert.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { inTransaction } from '../db/transaction.js';
import { actorOf, type Viewer } from '../auth/viewer.js';
import { newId, normalizeEmail } from '../common/columns.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { renderInvitationEmail } from '../mail/invitation-email.js';
import { enqueueEmails, type EmailToQueue } from '../mail/outbox.js';
import { OutboxEmailEntity, OutboxState } from '../mail/outbox-email.entity.js';
import type { AccountEvent, EventBus } from '../realtime/events.js';
import { MAX_ADDRESSES_PER_REQUEST, parseAddressList, type ParsedAddress } from './address-list.js';
import { DeliveryStatus, InvitationEntity, InvitationState, RevokeReason } from './invitation.entity.js';
import { isWellFormedToken, tokenMatches } from './invitation-tokens.js';

export enum InviteVerdict {
  INVITED = 'INVITED',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  ALREADY_INVITED = 'ALREADY_INVITED',
  INVALID = 'INVALID',
  DUPLICATE = 'DUPLICATE',
}

export interface InviteOptions {
  role: Role;
  companyId?: string | null;
  groupIds?: string[] | null;
  sendEmail: boolean;
  source?: UserSource;
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
  expiresAt: Date | null;
  /** True when the invitee already has a Roster sign-in (then they sign in instead of choosing a password). */
  hasAccount: boolean;
}

/** A user may be re-invited at most this often, so nobody is spammed. */
export const REINVITE_COOLDOWN_MS = 60_000;
const CHUNK = 200;
const MAX_USERS_PER_ACTION = 500;

export interface InviteEntry {
  email: string;
  name: string | null;
  role: Role;
  companyId: string | null;
  groupIds: string[] | null;
}

export interface NewInvitation {
  membership: MembershipEntity;
  invitation: InvitationEntity;
  token: string;
  name: string | null;
}

/** Invite, re-invite, un-invite and accept: the invitation lifecycle, with its emails and audit trail. */
export class InvitationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    private readonly publicUrl: () => string,
    private readonly onEmailsQueued: () => void,
  ) {}

  acceptUrl(token: string): string {
    return `${this.publicUrl()}/invitations/${token}`;
  }

  /** Invites every valid, new address of a pasted list; every entry gets its verdict. */
  async inviteAddresses(viewer: Viewer, text: string, options: InviteOptions): Promise<InviteOutcome[]> {
    if (text.length > 1_000_000) throw badInput('input.addresses', 'The list is too long; paste at most 1,000 addresses at a time, or import a CSV file.');
    const parsed = parseAddressList(text);
    if (parsed.length === 0) throw badInput('input.addresses', 'Enter at least one email address.');
    if (parsed.length > MAX_ADDRESSES_PER_REQUEST) {
      throw invitationError(
        InvitationErrorCode.TOO_MANY_ADDRESSES,
        `You pasted ${parsed.length.toLocaleString('en')} addresses; invite at most ${MAX_ADDRESSES_PER_REQUEST.toLocaleString('en')} at a time, or import a CSV file.`,
        { field: 'input.addresses', limit: MAX_ADDRESSES_PER_REQUEST },
      );
    }
    return this.invite(viewer, actorOf(viewer), parsed, options);
  }

  /** The shared core for pasted lists, CSV rows and integrations. */
  async invite(viewer: Pick<Viewer, 'accountId' | 'role' | 'personId'>, actor: Actor, entries: ParsedAddress[], options: InviteOptions): Promise<InviteOutcome[]> {
    await this.validateOptions(viewer, options);
    const outcomes: InviteOutcome[] = entries.map((entry) => ({
      input: entry.input,
      email: entry.email,
      name: entry.name,
      verdict: entry.email ? InviteVerdict.INVITED : InviteVerdict.INVALID,
      reason: entry.invalidReason,
      userId: null,
      inviteLink: null,
    }));
    const seen = new Set<string>();
    for (const outcome of outcomes) {
      if (!outcome.email) continue;
      if (seen.has(outcome.email)) {
        outcome.verdict = InviteVerdict.DUPLICATE;
        outcome.reason = 'This address appears earlier in the list.';
      }
      seen.add(outcome.email);
    }
    const fresh = outcomes.filter((o) => o.verdict === InviteVerdict.INVITED);
    for (let i = 0; i < fresh.length; i += CHUNK) await this.inviteChunk(viewer, actor, fresh.slice(i, i + CHUNK), options);
    return outcomes;
  }

  private async inviteChunk(viewer: Pick<Viewer, 'accountId' | 'personId'>, actor: Actor, chunk: InviteOutcome[], options: InviteOptions): Promise<void> {
    const existing = await this.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId: viewer.accountId, email: In(chunk.map((o) => o.email!)) }, select: { id: true, email: true, status: true } });
    const byEmail = new Map(existing.map((m) => [m.email, m]));
    const toCreate: InviteOutcome[] = [];
    for (const outcome of chunk) {
      const member = byEmail.get(outcome.email!);
      if (!member) toCreate.push(outcome);
      else if (member.status === UserStatus.INVITED) {
        Object.assign(outcome, { verdict: InviteVerdict.ALREADY_INVITED, userId: member.id, reason: 'Already invited; you can re-invite them.' });
      } else {
        Object.assign(outcome, { verdict: InviteVerdict.ALREADY_MEMBER, userId: member.id, reason: 'Already a member of this account.' });
      }
    }
    if (toCreate.length === 0) return;
    try {
      const created = await inTransaction(this.dataSource, (manager) => this.createInvitations(manager, viewer, actor, toCreate, options));
      this.afterCommit(viewer.accountId, 'user.invited', created, options.sendEmail);
    } catch (error) {
      if (!isUniqueViolation(error) || toCreate.length === 1) {
        if (isUniqueViolation(error)) {
          // Someone else invited this address a moment ago.
          Object.assign(toCreate[0]!, { verdict: InviteVerdict.ALREADY_INVITED, reason: 'Already invited; you can re-invite them.' });
          return;
        }
        throw error;
      }
      // Another admin invited some of these addresses at the same moment: settle them one by one.
      for (const outcome of toCreate) await this.inviteChunk(viewer, actor, [outcome], options);
    }
  }

  private async createInvitations(
    manager: EntityManager,
    viewer: Pick<Viewer, 'accountId' | 'personId'>,
    actor: Actor,
    outcomes: InviteOutcome[],
    options: InviteOptions,
  ): Promise<NewInvitation[]> {
    const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
    const created = await this.createWithin(
      manager,
      account,
      viewer.personId,
      actor,
      outcomes.map((o) => ({ email: o.email!, name: o.name, role: options.role, companyId: options.companyId ?? null, groupIds: options.groupIds ?? null })),
      { sendEmail: options.sendEmail, source: options.source ?? UserSource.MANUAL },
    );
    created.forEach((c, index) => Object.assign(outcomes[index]!, { userId: c.membership.id, inviteLink: this.acceptUrl(c.token), reason: null }));
    return created;
  }

  /**
   * Creates users, their invitations, emails and audit entries inside the caller's transaction, with
   * multi-row inserts. Callers have already made sure the emails are new to the account (the database's
   * unique index still has the last word).
   */
  async createWithin(
    manager: EntityManager,
    account: AccountEntity,
    inviterPersonId: string | null,
    actor: Actor,
    entries: InviteEntry[],
    options: { sendEmail: boolean; source: UserSource },
  ): Promise<NewInvitation[]> {
    const now = new Date();
    const created: NewInvitation[] = entries.map((entry) => {
      const membership: MembershipEntity = {
        id: newId(),
        accountId: account.id,
        personId: null,
        email: entry.email,
        name: entry.name,
        role: entry.role,
        status: UserStatus.INVITED,
        source: options.source,
        externalId: null,
        // Shown and filterable while the invitation is pending; applied again on acceptance.
        companyId: entry.companyId,
        lastActiveAt: null,
        createdAt: now,
        updatedAt: now,
      };
      const token = newSecretToken();
      const invitation = this.newInvitation(account, membership, token, inviterPersonId, { ...entry, sendEmail: options.sendEmail }, now);
      return { membership, token, name: entry.name, invitation };
    });
    // Plain multi-row INSERTs: every column is known here, so nothing needs reading back (RETURNING).
    await bulkInsertEntities(manager, MembershipEntity, created.map((c) => c.membership));
    await bulkInsertEntities(manager, InvitationEntity, created.map((c) => c.invitation));
    const groupMembers = created.flatMap((c, index) => [...new Set(entries[index]!.groupIds ?? [])].map((groupId) => ({ groupId, membershipId: c.membership.id, accountId: account.id })));
    await bulkInsertEntities(manager, GroupMemberEntity, groupMembers);
    if (options.sendEmail) await enqueueEmails(manager, await this.emailsFor(manager, account, inviterPersonId, created));
    await recordAudit(
      manager,
      account.id,
      actor,
      created.map((c) => ({ action: 'user.invited', targetId: c.membership.id, targetEmail: c.membership.email, details: { role: c.membership.role, sendEmail: options.sendEmail, source: options.source } })),
    );
    return created;
  }

  /** Tells live dashboards and the outbox worker about invitations committed by a caller's transaction. */
  announceInvited(accountId: string, created: NewInvitation[], emailsQueued: boolean): void {
    this.afterCommit(accountId, 'user.invited', created, emailsQueued);
  }

  private newInvitation(account: AccountEntity, membership: MembershipEntity, token: string, invitedBy: string | null, options: Pick<InviteOptions, 'role' | 'companyId' | 'groupIds' | 'sendEmail'>, now: Date): InvitationEntity {
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
    };
  }

  private async emailsFor(manager: EntityManager, account: AccountEntity, inviterId: string | null, created: NewInvitation[]): Promise<EmailToQueue[]> {
    const inviter = inviterId ? await manager.getRepository(PersonEntity).findOneBy({ id: inviterId }) : null;
    return created.map((c) => {
      const acceptUrl = this.acceptUrl(c.token);
      const email = renderInvitationEmail({ mspName: account.name, inviterName: inviter?.name ?? inviter?.email ?? null, inviteeName: c.name, acceptUrl, expiresAt: c.invitation.expiresAt });
      return { accountId: account.id, invitationId: c.invitation.id, to: c.membership.email, subject: email.subject, html: email.html, text: email.text, actionUrl: acceptUrl };
    });
  }

  /** A new link for each pending user (the old one dies, the lifetime restarts); per-user results. */
  async reinvite(viewer: Viewer, userIds: string[], sendEmail: boolean): Promise<UserActionOutcome[]> {
    this.checkSelection(userIds);
    const results: UserActionOutcome[] = [];
    const now = new Date();
    const memberships = await this.membershipsOf(viewer.accountId, userIds);
    const reissued: NewInvitation[] = [];
    for (const userId of new Set(userIds)) {
      const membership = memberships.get(userId);
      const refusal = refusalUnlessPending(userId, membership) ?? refusalAboveViewer(viewer, membership!, null, 're-invite');
      if (refusal || !membership) {
        results.push(refusal!);
        continue;
      }
      const result = await inTransaction(this.dataSource, async (manager) => {
        const current = await manager.getRepository(InvitationEntity).findOne({ where: { membershipId: membership.id, state: InvitationState.PENDING }, order: { createdAt: 'DESC' } });
        // The invitation's role is what acceptance gives: re-sending it (and handing out its link) grants it again.
        const aboveViewer = refusalAboveViewer(viewer, membership, current?.role ?? null, 're-invite');
        if (aboveViewer) return { refused: aboveViewer };
        if (current && now.getTime() - current.createdAt.getTime() < REINVITE_COOLDOWN_MS) {
          const wait = Math.ceil((REINVITE_COOLDOWN_MS - (now.getTime() - current.createdAt.getTime())) / 1000);
          return { throttled: wait };
        }
        if (current) {
          // Outbox rows before invitation rows: the same lock order as the outbox worker, so neither deadlocks.
          await this.cancelQueuedEmails(manager, [current.id]);
          await manager.update(InvitationEntity, { id: current.id, state: InvitationState.PENDING }, { state: InvitationState.REVOKED, revokeReason: RevokeReason.REISSUED, revokedAt: now });
        }
        const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
        const token = newSecretToken();
        const options = {
          role: current?.role ?? membership.role,
          companyId: current?.companyId ?? null,
          groupIds: current?.groupIds ? (JSON.parse(current.groupIds) as string[]) : null,
          sendEmail,
        };
        const invitation = this.newInvitation(account, membership, token, viewer.personId, options, now);
        await manager.insert(InvitationEntity, invitation);
        // A staged user (from an integration that stages) becomes pending with their first invitation.
        if (membership.status === UserStatus.STAGED) await manager.update(MembershipEntity, { id: membership.id, status: UserStatus.STAGED }, { status: UserStatus.INVITED, updatedAt: now });
        const entry: NewInvitation = { membership, invitation, token, name: membership.name };
        if (sendEmail) await enqueueEmails(manager, await this.emailsFor(manager, account, viewer.personId, [entry]));
        await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'user.reinvited', targetId: membership.id, targetEmail: membership.email }]);
        return { entry };
      });
      if ('refused' in result) {
        results.push(result.refused!);
      } else if ('throttled' in result) {
        results.push({
          userId,
          email: membership.email,
          ok: false,
          code: InvitationErrorCode.REINVITE_THROTTLED,
          message: `${membership.email} was invited less than a minute ago; try again in ${result.throttled} seconds.`,
          inviteLink: null,
        });
      } else {
        reissued.push(result.entry!);
        results.push({ userId, email: membership.email, ok: true, code: null, message: `A new invitation was ${sendEmail ? 'sent' : 'created'} for ${membership.email}; the previous link no longer works.`, inviteLink: this.acceptUrl(result.entry!.token) });
      }
    }
    this.afterCommit(viewer.accountId, 'user.reinvited', reissued, sendEmail);
    return results;
  }

  /** Revokes each pending user's invitation and removes them from the pending list; per-user results. */
  async uninvite(viewer: Viewer, userIds: string[]): Promise<UserActionOutcome[]> {
    this.checkSelection(userIds);
    const memberships = await this.membershipsOf(viewer.accountId, userIds);
    const invitedAs = await this.pendingRoles(viewer.accountId, [...memberships.keys()]);
    const results: UserActionOutcome[] = [];
    const removed: string[] = [];
    for (const userId of new Set(userIds)) {
      const membership = memberships.get(userId);
      const refusal = refusalUnlessPending(userId, membership) ?? refusalAboveViewer(viewer, membership!, invitedAs.get(userId) ?? null, 'withdraw the invitation of');
      if (refusal || !membership) {
        results.push(refusal!);
        continue;
      }
      const done = await inTransaction(this.dataSource, async (manager) => {
        const pending = await manager.getRepository(InvitationEntity).find({ where: { membershipId: membership.id, state: InvitationState.PENDING }, select: { id: true } });
        const now = new Date();
        if (pending.length) {
          await this.cancelQueuedEmails(manager, pending.map((p) => p.id));
          await manager.update(InvitationEntity, { id: In(pending.map((p) => p.id)), state: InvitationState.PENDING }, { state: InvitationState.REVOKED, revokeReason: RevokeReason.UNINVITED, revokedAt: now, membershipId: null });
        }
        const deleted = await manager.delete(MembershipEntity, { id: membership.id, status: In([UserStatus.INVITED, UserStatus.STAGED]) });
        if (!deleted.affected) return false;
        await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'user.uninvited', targetId: membership.id, targetEmail: membership.email }]);
        return true;
      });
      if (done) {
        removed.push(userId);
        results.push({ userId, email: membership.email, ok: true, code: null, message: `The invitation of ${membership.email} was revoked; the link no longer works.`, inviteLink: null });
      } else {
        results.push({ userId, email: membership.email, ok: false, code: InvitationErrorCode.NOT_PENDING, message: `${membership.email} accepted the invitation a moment ago.`, inviteLink: null });
      }
    }
    if (removed.length) this.events.publish({ accountId: viewer.accountId, type: 'user.uninvited', userIds: removed, at: new Date() });
    return results;
  }

  /** What the accept page shows for a link, without consuming it (mail scanners open links too). */
  async preview(token: string): Promise<InvitationPreview> {
    const invitation = await this.findByToken(token);
    if (!invitation) return { state: InvitationLinkState.NOT_FOUND, accountName: null, inviterName: null, email: null, expiresAt: null, hasAccount: false };
    const [account, inviter, person] = await Promise.all([
      this.dataSource.getRepository(AccountEntity).findOneBy({ id: invitation.accountId }),
      invitation.invitedByPersonId ? this.dataSource.getRepository(PersonEntity).findOneBy({ id: invitation.invitedByPersonId }) : null,
      this.dataSource.getRepository(PersonEntity).findOneBy({ email: invitation.email }),
    ]);
    return {
      state: linkState(invitation),
      accountName: account?.name ?? null,
      inviterName: inviter ? (inviter.name ?? inviter.email) : null,
      email: invitation.email,
      expiresAt: invitation.expiresAt,
      hasAccount: Boolean(person?.passwordHash),
    };
  }

  /**
   * Accepts an invitation: a new person chooses name and password; an existing person proves who they
   * are (a session as that email, or their password). Single use, even when two tabs accept at once.
   */
  async accept(
    token: string,
    input: { name?: string | null; password?: string | null },
    signedIn: Viewer | null,
  ): Promise<{ personId: string; membership: MembershipEntity }> {
    const invitation = await this.findByToken(token);
    if (!invitation) throw invitationError(InvitationErrorCode.INVITATION_NOT_FOUND, 'This invitation link is not valid. Check that you copied the whole link.');
    failUnlessValid(invitation);

    const personRepo = this.dataSource.getRepository(PersonEntity);
    const existing = await personRepo.findOneBy({ email: normalizeEmail(invitation.email) });
    if (signedIn && signedIn.personId !== existing?.id) {
      const current = await personRepo.findOneBy({ id: signedIn.personId });
      throw invitationError(
        InvitationErrorCode.INVITATION_EMAIL_MISMATCH,
        `This invitation is for ${invitation.email}, but you are signed in as ${current?.email ?? 'someone else'}. Sign out, then open the link again.`,
        { invitedEmail: invitation.email },
      );
    }
    let newPerson: PersonEntity | null = null;
    if (existing?.passwordHash) {
      if (!signedIn) {
        if (!input.password) throw invitationError(InvitationErrorCode.SIGN_IN_REQUIRED, `You already have a Roster sign-in as ${invitation.email}; enter your password to accept.`);
        if (!(await verifyPassword(input.password, existing.passwordHash))) {
          throw invalidCredentials();
        }
      }
    } else {
      const name = input.name?.trim() ?? '';
      if (!name) throw badInput('input.name', 'Enter your name.');
      if (name.length > 200) throw badInput('input.name', 'A name has at most 200 characters.');
      const password = input.password ?? '';
      if (password.length < 10) throw badInput('input.password', 'Choose a password of at least 10 characters.');
      if (password.length > 1024) throw badInput('input.password', 'A password has at most 1024 characters.');
      newPerson = existing
        ? { ...existing, name, passwordHash: await hashPassword(password) }
        : { id: newId(), email: normalizeEmail(invitation.email), name, passwordHash: await hashPassword(password), createdAt: new Date() };
    }

    const now = new Date();
    const membership = await inTransaction(this.dataSource, async (manager) => {
      const claimed = await manager.update(InvitationEntity, { id: invitation.id, state: InvitationState.PENDING }, { state: InvitationState.ACCEPTED, acceptedAt: now });
      if (!claimed.affected) throw invitationError(InvitationErrorCode.INVITATION_ALREADY_USED, 'This invitation has already been used. Sign in instead.');
      let personId = existing?.id ?? null;
      if (newPerson && existing) await manager.update(PersonEntity, { id: existing.id }, { name: newPerson.name, passwordHash: newPerson.passwordHash });
      else if (newPerson) {
        await manager.insert(PersonEntity, newPerson);
        personId = newPerson.id;
      }
      const groupIds: string[] = invitation.groupIds ? JSON.parse(invitation.groupIds) : [];
      const companyId = invitation.companyId && (await manager.getRepository(CompanyEntity).existsBy({ id: invitation.companyId, accountId: invitation.accountId })) ? invitation.companyId : null;
      const updated = await manager.update(
        MembershipEntity,
        { id: invitation.membershipId!, status: UserStatus.INVITED },
        { status: UserStatus.ACTIVE, personId, role: invitation.role, updatedAt: now, ...(companyId ? { companyId } : {}) },
      );
      if (!updated.affected) throw invitationError(InvitationErrorCode.INVITATION_REVOKED, 'This invitation was withdrawn. Ask your administrator for a new one.');
      if (groupIds.length) {
        const groups = await manager.getRepository(GroupEntity).find({ where: { id: In(groupIds), accountId: invitation.accountId }, select: { id: true } });
        const already = await manager.getRepository(GroupMemberEntity).find({ where: { membershipId: invitation.membershipId!, groupId: In(groupIds) } });
        const missing = groups.filter((g) => !already.some((a) => a.groupId === g.id));
        if (missing.length) await manager.insert(GroupMemberEntity, missing.map((g) => ({ groupId: g.id, membershipId: invitation.membershipId!, accountId: invitation.accountId })));
      }
      await recordAudit(manager, invitation.accountId, { type: 'PERSON', id: personId }, [{ action: 'user.accepted', targetId: invitation.membershipId, targetEmail: invitation.email }]);
      return manager.getRepository(MembershipEntity).findOneByOrFail({ id: invitation.membershipId! });
    });
    this.events.publish({ accountId: invitation.accountId, type: 'user.accepted', userIds: [membership.id], at: now });
    return { personId: membership.personId!, membership };
  }

  private async findByToken(token: string): Promise<InvitationEntity | null> {
    if (!isWellFormedToken(token)) return null;
    const invitation = await this.dataSource.getRepository(InvitationEntity).findOneBy({ tokenHash: hashToken(token) });
    return invitation && tokenMatches(token, invitation.tokenHash) ? invitation : null;
  }

  private async validateOptions(viewer: Pick<Viewer, 'accountId' | 'role'>, options: InviteOptions): Promise<void> {
    assertMayGrant(viewer.role, options.role, `invite ${rolePlural(options.role)}`, 'input.role');
    if (options.companyId && !(await this.dataSource.getRepository(CompanyEntity).existsBy({ id: options.companyId, accountId: viewer.accountId }))) {
      throw notFound('Company', 'input.companyId');
    }
    const groupIds = [...new Set(options.groupIds ?? [])];
    if (groupIds.length > 100) throw badInput('input.groupIds', 'Choose at most 100 groups.');
    if (groupIds.length) {
      const found = await this.dataSource.getRepository(GroupEntity).count({ where: { id: In(groupIds), accountId: viewer.accountId } });
      if (found !== groupIds.length) throw notFound('Group', 'input.groupIds');
    }
  }

  private checkSelection(userIds: string[]): void {
    if (userIds.length === 0) throw badInput('input.userIds', 'Select at least one user.');
    if (userIds.length > MAX_USERS_PER_ACTION) throw badInput('input.userIds', `Select at most ${MAX_USERS_PER_ACTION} users at a time.`);
  }

  /** The role each pending invitation of these users gives on acceptance, by user id. */
  private async pendingRoles(accountId: string, membershipIds: string[]): Promise<Map<string, Role>> {
    if (membershipIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(InvitationEntity)
      .find({ where: { accountId, membershipId: In(membershipIds), state: InvitationState.PENDING }, select: { membershipId: true, role: true } });
    const roles = new Map<string, Role>();
    // Several pending rows cannot normally exist; if they do, the highest role decides.
    for (const row of rows) roles.set(row.membershipId!, higherRole(roles.get(row.membershipId!) ?? row.role, row.role));
    return roles;
  }

  /**
   * For each of these dev mailbox emails, whether the viewer may see its accept link: not when the invitation
   * it carries gives a role above the viewer's (an administrator never sees an owner's link).
   */
  async emailsHiddenFrom(viewer: Pick<Viewer, 'accountId' | 'role'>, outboxIds: string[]): Promise<Set<string>> {
    if (outboxIds.length === 0) return new Set();
    const rows: Array<{ id: string; role: Role }> = await this.dataSource
      .getRepository(OutboxEmailEntity)
      .createQueryBuilder('o')
      .innerJoin(InvitationEntity, 'i', 'i.id = o.invitation_id')
      .select(['o.id AS id', 'i.role AS role'])
      .where('o.account_id = :accountId AND o.id IN (:...ids)', { accountId: viewer.accountId, ids: outboxIds })
      .getRawMany();
    return new Set(rows.filter((row) => refusalToActOn(viewer.role, row.role)).map((row) => row.id));
  }

  private async membershipsOf(accountId: string, userIds: string[]): Promise<Map<string, MembershipEntity>> {
    const rows = await this.dataSource.getRepository(MembershipEntity).find({ where: { accountId, id: In([...new Set(userIds)]) } });
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Emails of a revoked invitation that no worker has picked up yet are not sent at all. */
  private async cancelQueuedEmails(manager: EntityManager, invitationIds: string[]): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(OutboxEmailEntity)
      .set({ state: OutboxState.FAILED, lastError: 'Cancelled: the invitation was revoked before it was sent.', html: null, textBody: null, actionUrl: null })
      .where({ invitationId: In(invitationIds), state: OutboxState.PENDING })
      .andWhere('batch_key IS NULL')
      .execute();
  }

  private afterCommit(accountId: string, type: AccountEvent['type'], created: NewInvitation[], emailsQueued: boolean): void {
    if (created.length === 0) return;
    this.events.publish({ accountId, type, userIds: created.map((c) => c.membership.id), at: new Date() });
    if (emailsQueued) this.onEmailsQueued();
  }
}

function linkState(invitation: InvitationEntity): InvitationLinkState {
  if (invitation.state === InvitationState.ACCEPTED) return InvitationLinkState.ACCEPTED;
  if (invitation.state === InvitationState.REVOKED) return invitation.revokeReason === RevokeReason.REISSUED ? InvitationLinkState.REPLACED : InvitationLinkState.REVOKED;
  if (invitation.expiresAt.getTime() <= Date.now()) return InvitationLinkState.EXPIRED;
  return InvitationLinkState.VALID;
}

function failUnlessValid(invitation: InvitationEntity): void {
  switch (linkState(invitation)) {
    case InvitationLinkState.ACCEPTED:
      throw invitationError(InvitationErrorCode.INVITATION_ALREADY_USED, 'This invitation has already been used. Sign in instead.');
    case InvitationLinkState.REPLACED:
      throw invitationError(InvitationErrorCode.INVITATION_REPLACED, 'A newer invitation was sent to you; this link no longer works. Use the link in the most recent email.');
    case InvitationLinkState.REVOKED:
      throw invitationError(InvitationErrorCode.INVITATION_REVOKED, 'This invitation was withdrawn. Ask your administrator for a new one.');
    case InvitationLinkState.EXPIRED:
      throw invitationError(InvitationErrorCode.INVITATION_EXPIRED, `This invitation expired on ${invitation.expiresAt.toISOString().slice(0, 10)}. Ask your administrator to re-invite you.`);
    default:
  }
}

/**
 * Refuses acting on a user whose role, or whose pending invitation's role, is above what the viewer may grant:
 * `doing` is "re-invite" or "withdraw the invitation of".
 */
function refusalAboveViewer(viewer: Pick<Viewer, 'role'>, membership: MembershipEntity, invitationRole: Role | null, doing: string): UserActionOutcome | null {
  const refusal = refusalToActOn(viewer.role, membership.role, invitationRole);
  if (!refusal) return null;
  const role = invitationRole && refusalToActOn(viewer.role, invitationRole) ? invitationRole : membership.role;
  return {
    userId: membership.id,
    email: membership.email,
    ok: false,
    code: refusal.code,
    message: refusalMessage(refusal, `${doing} ${membership.email}, who is invited as ${roleName(role)}`),
    inviteLink: null,
  };
}

/** Why a selected user cannot be re-invited or un-invited, or null when they can. */
function refusalUnlessPending(userId: string, membership: MembershipEntity | undefined): UserActionOutcome | null {
  if (!membership) return { userId, email: null, ok: false, code: 'NOT_FOUND', message: 'User was not found.', inviteLink: null };
  if (membership.status !== UserStatus.INVITED && membership.status !== UserStatus.STAGED) {
    return { userId, email: membership.email, ok: false, code: InvitationErrorCode.NOT_PENDING, message: notPendingMessage(membership), inviteLink: null };
  }
  return null;
}

function notPendingMessage(membership: MembershipEntity): string {
  return membership.status === UserStatus.ACTIVE
    ? `${membership.email} has already accepted the invitation.`
    : `${membership.email} is suspended, not pending; restore them instead.`;
}
