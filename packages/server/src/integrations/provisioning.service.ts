import { createHash } from 'node:crypto';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { isSuspendable, UserSource, UserStatus } from '../accounts/roles.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { restoreMemberships, suspendMemberships } from '../accounts/user-lifecycle.js';
import { newId, normalizeEmail, toSqlDateTime } from '../core/db/columns.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { isUniqueViolation } from '../core/db/unique-violation.js';
import { InvitationEntity, InvitationState, type InvitationService, type NewInvitation } from '../invitations/index.js';
import type { AccountEvent, EventBus } from '../realtime/events.js';
import { ExternalLinkEntity } from './external-link.entity.js';
import type { IntegrationEntity } from './integration.entity.js';
import { ExternalResourceType, IntegrationType, parseIntegrationOptions, UpstreamRemovalAction, type IntegrationOptions } from './integration-kinds.js';

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
    readonly code: 'EMAIL_TAKEN' | 'NAME_TAKEN' | 'INVALID_EMAIL' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

const EMAIL_PATTERN = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

/**
 * The one place where upstream users, groups and companies become Roster's: used by the SCIM endpoint and by
 * every sync. It applies the integration's options (invite or stage, send emails or not, default role, what a
 * deactivation does), keeps (integration, external id) links so repeats are idempotent and email changes are
 * followed, audits as the integration and publishes the same live events as manual invitations.
 */
export class ProvisioningService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    private readonly invitations: InvitationService,
  ) {}

  optionsOf(integration: IntegrationEntity): IntegrationOptions {
    return parseIntegrationOptions(integration.type, integration.options);
  }

  // ---- users ---------------------------------------------------------------------------------------------

  /** The user linked to this integration by Roster id (SCIM id) or upstream id, or null. */
  async findLinkedUser(integration: IntegrationEntity, by: { userId?: string; externalId?: string }): Promise<LinkedUser | null> {
    const link = await this.linkBy(integration, ExternalResourceType.USER, { localId: by.userId, externalId: by.externalId });
    if (!link) return null;
    const membership = await this.dataSource.getRepository(MembershipEntity).findOneBy({ id: link.localId, accountId: integration.accountId });
    return membership ? { membership, link } : null;
  }

  /**
   * Creates or updates the user for an upstream object: matched by its link (external id), else by email in
   * the account (then linked), else created per the options. `mustBeNew` (SCIM POST) answers CONFLICT when the
   * object is already linked to this integration.
   */
  async upsertUser(integration: IntegrationEntity, upstream: UpstreamUser, options: { mustBeNew?: boolean } = {}): Promise<ProvisionResult> {
    const email = this.checkedEmail(upstream.email);
    try {
      return await this.upsertUserOnce(integration, { ...upstream, email }, options);
    } catch (error) {
      // A concurrent request (IdPs send in parallel) created the same user or link a moment ago: decide again.
      if (!isUniqueViolation(error)) throw error;
      return this.upsertUserOnce(integration, { ...upstream, email }, options);
    }
  }

  private async upsertUserOnce(integration: IntegrationEntity, upstream: UpstreamUser, options: { mustBeNew?: boolean }): Promise<ProvisionResult> {
    const linked = upstream.externalId ? await this.findLinkedUser(integration, { externalId: upstream.externalId }) : null;
    if (linked) {
      if (options.mustBeNew) return { userId: linked.membership.id, action: ProvisionAction.CONFLICT, reason: `A user with externalId "${upstream.externalId}" already exists.` };
      return this.updateLinkedUser(integration, linked, upstream);
    }
    const existing = await this.dataSource.getRepository(MembershipEntity).findOneBy({ accountId: integration.accountId, email: upstream.email });
    if (existing) {
      const otherLink = await this.linkBy(integration, ExternalResourceType.USER, { localId: existing.id });
      if (otherLink) {
        if (options.mustBeNew) return { userId: existing.id, action: ProvisionAction.CONFLICT, reason: `A user with userName "${upstream.email}" already exists.` };
        // Linked under another (or no) upstream id: this upstream object is the same person; move the link.
        return this.updateLinkedUser(integration, { membership: existing, link: otherLink }, upstream);
      }
      return this.linkExisting(integration, existing, upstream);
    }
    return this.createUser(integration, upstream);
  }

  private async createUser(integration: IntegrationEntity, upstream: UpstreamUser): Promise<ProvisionResult> {
    const opts = this.optionsOf(integration);
    const source = integration.type === IntegrationType.SCIM ? UserSource.SCIM : UserSource.INTEGRATION;
    const actor = this.actorOf(integration);
    const now = new Date();
    const staged = !opts.autoInvite;
    let created: NewInvitation[] = [];
    const membershipId = await inTransaction(this.dataSource, async (manager) => {
      let id: string;
      if (staged) {
        id = newId();
        await manager.insert(MembershipEntity, {
          id,
          accountId: integration.accountId,
          personId: null,
          email: upstream.email,
          name: upstream.name,
          role: opts.defaultRole,
          status: UserStatus.STAGED,
          source,
          externalId: upstream.externalId,
          companyId: null,
          lastActiveAt: null,
          createdAt: now,
          updatedAt: now,
        });
        await recordAudit(manager, integration.accountId, actor, [{ action: 'user.staged', targetId: id, targetEmail: upstream.email, details: { integrationId: integration.id } }]);
      } else {
        const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: integration.accountId });
        created = await this.invitations.createWithin(
          manager,
          account,
          integration.createdBy,
          actor,
          [{ email: upstream.email, name: upstream.name, role: opts.defaultRole, companyId: null, groupIds: null }],
          { sendEmail: opts.sendInvitationEmails, source },
        );
        id = created[0]!.membership.id;
        await manager.update(MembershipEntity, { id }, { externalId: upstream.externalId });
      }
      await this.insertLink(manager, integration, ExternalResourceType.USER, upstream.externalId, id, upstream, now);
      if (!upstream.active) await this.suspendWithin(manager, integration, [id], now);
      return id;
    });
    if (staged) this.publish(integration.accountId, 'user.changed', [membershipId]);
    else this.invitations.announceInvited(integration.accountId, created, opts.sendInvitationEmails);
    if (!upstream.active) this.publish(integration.accountId, 'user.suspended', [membershipId]);
    return { userId: membershipId, action: staged ? ProvisionAction.STAGED : ProvisionAction.INVITED };
  }

  private async linkExisting(integration: IntegrationEntity, membership: MembershipEntity, upstream: UpstreamUser): Promise<ProvisionResult> {
    const now = new Date();
    await inTransaction(this.dataSource, async (manager) => {
      await this.insertLink(manager, integration, ExternalResourceType.USER, upstream.externalId, membership.id, upstream, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'user.linked', targetId: membership.id, targetEmail: membership.email, details: { integrationId: integration.id, externalId: upstream.externalId } },
      ]);
    });
    const after = await this.applyUserChanges(integration, { membership, link: (await this.linkBy(integration, ExternalResourceType.USER, { localId: membership.id }))! }, upstream);
    // Linked and brought up to date; a suspension or restore that came with it is the news worth reporting.
    const reported = after.action === ProvisionAction.SUSPENDED || after.action === ProvisionAction.RESTORED || after.action === ProvisionAction.SKIPPED;
    return { userId: membership.id, action: reported ? after.action : ProvisionAction.LINKED, ...(after.reason ? { reason: after.reason } : {}) };
  }

  private async updateLinkedUser(integration: IntegrationEntity, linked: LinkedUser, upstream: UpstreamUser): Promise<ProvisionResult> {
    return this.applyUserChanges(integration, linked, upstream);
  }

  /**
   * Applies a partial change to a linked user (SCIM PATCH/PUT, a sync's update). Only the given fields change.
   * An email change keeps a pending invitation working: the invitation follows the new address.
   */
  async updateUser(integration: IntegrationEntity, userId: string, changes: Partial<UpstreamUser>): Promise<ProvisionResult> {
    const linked = await this.findLinkedUser(integration, { userId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `User ${userId} was not found.`);
    const email = changes.email !== undefined ? this.checkedEmail(changes.email) : linked.membership.email;
    return this.applyUserChanges(integration, linked, {
      externalId: changes.externalId !== undefined ? changes.externalId : linked.link.externalId,
      email,
      name: changes.name !== undefined ? changes.name : linked.membership.name,
      active: changes.active !== undefined ? changes.active : linked.membership.status !== UserStatus.SUSPENDED,
      attributes: changes.attributes !== undefined ? changes.attributes : parseAttributes(linked.link.attributes),
    });
  }

  private async applyUserChanges(integration: IntegrationEntity, linked: LinkedUser, upstream: UpstreamUser): Promise<ProvisionResult> {
    const { membership, link } = linked;
    const opts = this.optionsOf(integration);
    const now = new Date();
    const fingerprint = fingerprintOf(upstream);
    const emailChanged = upstream.email !== membership.email;
    const nameChanged = (upstream.name ?? null) !== (membership.name ?? null) && upstream.name !== null;
    const externalIdChanged = upstream.externalId !== link.externalId;
    const wantsSuspend = !upstream.active && membership.status !== UserStatus.SUSPENDED && opts.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND;
    // Upstream restates `active: true` on every sync and PUT: only a suspension this integration made is undone
    // by it; an admin's own suspension stands until an admin restores the user.
    const wantsRestore = upstream.active && membership.status === UserStatus.SUSPENDED && (await this.suspendedBy(integration, membership.id));
    if (wantsSuspend && !isSuspendable(membership.role)) {
      return { userId: membership.id, action: ProvisionAction.SKIPPED, reason: 'An owner is never suspended from upstream; change it in Roster.' };
    }
    if (!emailChanged && !nameChanged && !externalIdChanged && !wantsSuspend && !wantsRestore && link.fingerprint === fingerprint) {
      await this.dataSource.getRepository(ExternalLinkEntity).update({ id: link.id }, { lastSeenAt: now });
      return { userId: membership.id, action: ProvisionAction.UNCHANGED };
    }
    if (emailChanged) {
      const taken = await this.dataSource.getRepository(MembershipEntity).existsBy({ accountId: integration.accountId, email: upstream.email });
      if (taken) throw new ProvisioningError('EMAIL_TAKEN', `Another user of this account already has the email ${upstream.email}.`);
    }
    const actor = this.actorOf(integration);
    await inTransaction(this.dataSource, async (manager) => {
      const changes: Partial<MembershipEntity> = { updatedAt: now };
      if (emailChanged) changes.email = upstream.email;
      if (nameChanged) changes.name = upstream.name;
      if (externalIdChanged) changes.externalId = upstream.externalId;
      await manager.update(MembershipEntity, { id: membership.id }, changes);
      if (emailChanged) {
        // The pending invitation stays valid and is now for the new address.
        await manager.update(InvitationEntity, { membershipId: membership.id, state: InvitationState.PENDING }, { email: upstream.email });
      }
      await manager.update(
        ExternalLinkEntity,
        { id: link.id },
        { externalId: upstream.externalId, fingerprint, attributes: upstream.attributes ? JSON.stringify(upstream.attributes) : null, lastSeenAt: now },
      );
      const audit = [];
      if (emailChanged || nameChanged || externalIdChanged) {
        audit.push({ action: 'user.updated', targetId: membership.id, targetEmail: upstream.email, details: { integrationId: integration.id, ...(emailChanged ? { previousEmail: membership.email } : {}) } });
      }
      await recordAudit(manager, integration.accountId, actor, audit);
      if (wantsSuspend) await this.suspendWithin(manager, integration, [membership.id], now);
      if (wantsRestore) await restoreMemberships(manager, integration.accountId, actor, [membership.id], now, { integrationId: integration.id });
    });
    const action = wantsSuspend ? ProvisionAction.SUSPENDED : wantsRestore ? ProvisionAction.RESTORED : ProvisionAction.UPDATED;
    this.publish(integration.accountId, wantsSuspend ? 'user.suspended' : wantsRestore ? 'user.restored' : 'user.changed', [membership.id]);
    return { userId: membership.id, action };
  }

  /** Suspends users (never deletes them); owners are skipped. Returns the ids actually suspended. */
  async suspendUsers(integration: IntegrationEntity, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const now = new Date();
    const suspended = await inTransaction(this.dataSource, (manager) => this.suspendWithin(manager, integration, userIds, now));
    if (suspended.length) this.publish(integration.accountId, 'user.suspended', suspended);
    return suspended;
  }

  /** Suspended users come back: ACTIVE when they had accepted, else INVITED (or STAGED if never invited). */
  async restoreUsers(integration: IntegrationEntity, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const now = new Date();
    const restored = await inTransaction(this.dataSource, async (manager) => {
      return restoreMemberships(manager, integration.accountId, this.actorOf(integration), userIds, now, { integrationId: integration.id });
    });
    if (restored.length) this.publish(integration.accountId, 'user.restored', restored);
    return restored;
  }

  /**
   * Ends this integration's hold on a user (SCIM DELETE, an upstream deletion): the link goes, and the user is
   * suspended unless the options say keep. The user is never deleted: their history stays.
   */
  async unlinkUser(integration: IntegrationEntity, userId: string): Promise<ProvisionResult> {
    const linked = await this.findLinkedUser(integration, { userId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `User ${userId} was not found.`);
    const opts = this.optionsOf(integration);
    const now = new Date();
    const suspend = opts.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND && isSuspendable(linked.membership.role);
    const suspended = await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(ExternalLinkEntity, { id: linked.link.id });
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'user.unlinked', targetId: userId, targetEmail: linked.membership.email, details: { integrationId: integration.id } },
      ]);
      return suspend ? this.suspendWithin(manager, integration, [userId], now) : [];
    });
    if (suspended.length) this.publish(integration.accountId, 'user.suspended', suspended);
    return { userId, action: suspended.length ? ProvisionAction.SUSPENDED : ProvisionAction.UNCHANGED };
  }

  private suspendWithin(manager: EntityManager, integration: IntegrationEntity, userIds: string[], now: Date): Promise<string[]> {
    return suspendMemberships(manager, integration.accountId, this.actorOf(integration), userIds, now, { integrationId: integration.id });
  }

  /** Whether the user's latest suspension was made by this integration (not by an admin or another integration). */
  private async suspendedBy(integration: IntegrationEntity, userId: string): Promise<boolean> {
    const latest = await this.dataSource.getRepository(AuditEventEntity).findOne({
      where: { accountId: integration.accountId, targetId: userId, action: 'user.suspended' },
      order: { createdAt: 'DESC' },
      select: { actorType: true, actorId: true },
    });
    return latest?.actorId === integration.id && (latest.actorType === 'SCIM' || latest.actorType === 'INTEGRATION');
  }

  /** Users linked to the integration that a full sync did not see since `since` (candidates for suspension). */
  async linkedUsersNotSeenSince(integration: IntegrationEntity, since: Date): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(ExternalLinkEntity)
      .createQueryBuilder('link')
      .select('link.local_id', 'localId')
      .where('link.integration_id = :id AND link.resource_type = :type AND link.last_seen_at < :since', { id: integration.id, type: ExternalResourceType.USER, since: toSqlDateTime(since) })
      .getRawMany<{ localId: string }>();
    return rows.map((r) => r.localId);
  }

  /** How many users this integration holds (the base of the mass-suspend safeguard). */
  async linkedUserCount(integration: IntegrationEntity): Promise<number> {
    return this.dataSource.getRepository(ExternalLinkEntity).countBy({ integrationId: integration.id, resourceType: ExternalResourceType.USER });
  }

  // ---- groups --------------------------------------------------------------------------------------------

  async findLinkedGroup(integration: IntegrationEntity, by: { groupId?: string; externalId?: string }): Promise<LinkedGroup | null> {
    const link = await this.linkBy(integration, ExternalResourceType.GROUP, { localId: by.groupId, externalId: by.externalId });
    if (!link) return null;
    const group = await this.dataSource.getRepository(GroupEntity).findOneBy({ id: link.localId, accountId: integration.accountId });
    return group ? { group, link } : null;
  }

  /**
   * Creates or renames the group of an upstream group; a Roster group of the same name is adopted.
   * `mustBeNew` (SCIM POST) answers CONFLICT when the upstream group is already linked.
   */
  async upsertGroup(integration: IntegrationEntity, upstream: UpstreamGroup, options: { mustBeNew?: boolean } = {}): Promise<{ groupId: string; action: ProvisionAction }> {
    const name = upstream.displayName.trim();
    if (!name || name.length > 200) throw new ProvisioningError('NAME_TAKEN', 'A group name has 1 to 200 characters.');
    const linked = upstream.externalId ? await this.findLinkedGroup(integration, { externalId: upstream.externalId }) : null;
    if (linked) {
      if (options.mustBeNew) return { groupId: linked.group.id, action: ProvisionAction.CONFLICT };
      return { groupId: linked.group.id, action: await this.renameLinkedGroup(integration, linked, name, upstream.attributes) };
    }
    const now = new Date();
    const byName = await this.dataSource.getRepository(GroupEntity).findOneBy({ accountId: integration.accountId, name });
    if (byName) {
      const existingLink = await this.linkBy(integration, ExternalResourceType.GROUP, { localId: byName.id });
      if (existingLink) {
        if (options.mustBeNew) return { groupId: byName.id, action: ProvisionAction.CONFLICT };
        await this.dataSource.getRepository(ExternalLinkEntity).update({ id: existingLink.id }, { externalId: upstream.externalId, lastSeenAt: now });
        return { groupId: byName.id, action: ProvisionAction.UNCHANGED };
      }
      await inTransaction(this.dataSource, (manager) => this.insertLink(manager, integration, ExternalResourceType.GROUP, upstream.externalId, byName.id, upstream, now));
      return { groupId: byName.id, action: ProvisionAction.LINKED };
    }
    const group: GroupEntity = { id: newId(), accountId: integration.accountId, name, description: null, externalId: upstream.externalId, createdAt: now };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(GroupEntity, group);
      await this.insertLink(manager, integration, ExternalResourceType.GROUP, upstream.externalId, group.id, upstream, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [{ action: 'group.created', targetId: group.id, details: { name, integrationId: integration.id } }]);
    });
    return { groupId: group.id, action: ProvisionAction.CREATED };
  }

  /** Renames a linked group and/or changes its upstream id and attributes (SCIM PUT/PATCH). */
  async updateGroup(integration: IntegrationEntity, groupId: string, changes: { displayName?: string; externalId?: string | null; attributes?: Record<string, unknown> | null }): Promise<ProvisionAction> {
    const linked = await this.findLinkedGroup(integration, { groupId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `Group ${groupId} was not found.`);
    if (changes.externalId !== undefined && changes.externalId !== linked.link.externalId) {
      await this.dataSource.getRepository(ExternalLinkEntity).update({ id: linked.link.id }, { externalId: changes.externalId });
    }
    const name = changes.displayName?.trim() ?? linked.group.name;
    return this.renameLinkedGroup(integration, linked, name, changes.attributes);
  }

  private async renameLinkedGroup(integration: IntegrationEntity, linked: LinkedGroup, name: string, attributes: Record<string, unknown> | null | undefined): Promise<ProvisionAction> {
    const now = new Date();
    const links = this.dataSource.getRepository(ExternalLinkEntity);
    const attributeJson = attributes === undefined ? linked.link.attributes : attributes ? JSON.stringify(attributes) : null;
    if (name === linked.group.name) {
      await links.update({ id: linked.link.id }, { lastSeenAt: now, attributes: attributeJson });
      return ProvisionAction.UNCHANGED;
    }
    if (!name || name.length > 200) throw new ProvisioningError('NAME_TAKEN', 'A group name has 1 to 200 characters.');
    if (await this.dataSource.getRepository(GroupEntity).existsBy({ accountId: integration.accountId, name })) {
      throw new ProvisioningError('NAME_TAKEN', `Another group of this account is already called "${name}".`);
    }
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(GroupEntity, { id: linked.group.id }, { name, updatedAt: now });
      await manager.update(ExternalLinkEntity, { id: linked.link.id }, { lastSeenAt: now, attributes: attributeJson });
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [{ action: 'group.renamed', targetId: linked.group.id, details: { from: linked.group.name, to: name } }]);
    });
    return ProvisionAction.UPDATED;
  }

  /** Deletes a group this integration brought in (its users stay). */
  async deleteGroup(integration: IntegrationEntity, groupId: string): Promise<void> {
    const linked = await this.findLinkedGroup(integration, { groupId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `Group ${groupId} was not found.`);
    const members = await this.memberIdsOf(groupId);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(GroupMemberEntity, { groupId });
      await manager.delete(ExternalLinkEntity, { id: linked.link.id });
      await manager.delete(GroupEntity, { id: groupId, accountId: integration.accountId });
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [{ action: 'group.deleted', targetId: groupId, details: { name: linked.group.name } }]);
    });
    if (members.length) this.publish(integration.accountId, 'user.changed', members);
  }

  async memberIdsOf(groupId: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(GroupMemberEntity).find({ where: { groupId }, select: { membershipId: true } });
    return rows.map((r) => r.membershipId);
  }

  /**
   * Changes a group's members. Ids must be users of the integration's account (others are reported back as
   * unknown and nothing is done for them). `replace` makes the members exactly `add`.
   */
  async changeGroupMembers(
    integration: IntegrationEntity,
    groupId: string,
    change: { add?: string[]; remove?: string[]; replace?: boolean },
  ): Promise<{ added: string[]; removed: string[]; unknown: string[] }> {
    const wanted = [...new Set([...(change.add ?? []), ...(change.remove ?? [])])];
    const known = new Set(
      wanted.length
        ? (await this.dataSource.getRepository(MembershipEntity).find({ where: { id: In(wanted), accountId: integration.accountId }, select: { id: true } })).map((m) => m.id)
        : [],
    );
    const unknown = wanted.filter((id) => !known.has(id));
    const current = new Set(await this.memberIdsOf(groupId));
    const add = [...new Set(change.add ?? [])].filter((id) => known.has(id) && !current.has(id));
    const remove = change.replace
      ? [...current].filter((id) => !(change.add ?? []).includes(id))
      : [...new Set(change.remove ?? [])].filter((id) => current.has(id));
    if (add.length === 0 && remove.length === 0) return { added: [], removed: [], unknown };
    await inTransaction(this.dataSource, async (manager) => {
      // A member change is a change of the group (SCIM's meta.lastModified).
      await manager.update(GroupEntity, { id: groupId }, { updatedAt: new Date() });
      if (remove.length) await manager.delete(GroupMemberEntity, { groupId, membershipId: In(remove) });
      if (add.length) await manager.insert(GroupMemberEntity, add.map((membershipId) => ({ groupId, membershipId, accountId: integration.accountId })));
      const actor = this.actorOf(integration);
      await recordAudit(manager, integration.accountId, actor, [
        ...add.map((id) => ({ action: 'group.member_added', targetId: id, details: { groupId } })),
        ...remove.map((id) => ({ action: 'group.member_removed', targetId: id, details: { groupId } })),
      ]);
    });
    this.publish(integration.accountId, 'user.changed', [...add, ...remove]);
    return { added: add, removed: remove, unknown };
  }

  // ---- companies -----------------------------------------------------------------------------------------

  /** Creates or renames the company of an upstream company (PSA, documentation tool); same-name companies are adopted. */
  async upsertCompany(integration: IntegrationEntity, upstream: UpstreamCompany): Promise<{ companyId: string; action: ProvisionAction }> {
    const name = upstream.name.trim().slice(0, 200);
    const now = new Date();
    const links = this.dataSource.getRepository(ExternalLinkEntity);
    const link = await this.linkBy(integration, ExternalResourceType.COMPANY, { externalId: upstream.externalId });
    const companies = this.dataSource.getRepository(CompanyEntity);
    if (link) {
      const company = await companies.findOneBy({ id: link.localId, accountId: integration.accountId });
      if (company && company.name === name) {
        await links.update({ id: link.id }, { lastSeenAt: now });
        return { companyId: company.id, action: ProvisionAction.UNCHANGED };
      }
      if (company && !(await companies.existsBy({ accountId: integration.accountId, name }))) {
        await inTransaction(this.dataSource, async (manager) => {
          await manager.update(CompanyEntity, { id: company.id }, { name });
          await manager.update(ExternalLinkEntity, { id: link.id }, { lastSeenAt: now });
          await recordAudit(manager, integration.accountId, this.actorOf(integration), [{ action: 'company.renamed', targetId: company.id, details: { from: company.name, to: name } }]);
        });
        return { companyId: company.id, action: ProvisionAction.UPDATED };
      }
      if (company) return { companyId: company.id, action: ProvisionAction.SKIPPED };
      await links.delete({ id: link.id });
    }
    const byName = await companies.findOneBy({ accountId: integration.accountId, name });
    if (byName) {
      await inTransaction(this.dataSource, (manager) => this.insertLink(manager, integration, ExternalResourceType.COMPANY, upstream.externalId, byName.id, null, now));
      return { companyId: byName.id, action: ProvisionAction.LINKED };
    }
    const company: CompanyEntity = { id: newId(), accountId: integration.accountId, name, externalId: upstream.externalId, createdAt: now };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(CompanyEntity, company);
      await this.insertLink(manager, integration, ExternalResourceType.COMPANY, upstream.externalId, company.id, null, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [{ action: 'company.created', targetId: company.id, details: { name, integrationId: integration.id } }]);
    });
    return { companyId: company.id, action: ProvisionAction.CREATED };
  }

  /** Puts a user into a company (a PSA contact's company); no-op when already there. */
  async setUserCompany(integration: IntegrationEntity, userId: string, companyId: string | null): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(MembershipEntity)
      .update(companyId === null ? { id: userId, accountId: integration.accountId } : { id: userId, accountId: integration.accountId, companyId: IsNull() }, { companyId, updatedAt: new Date() });
    if (result.affected) this.publish(integration.accountId, 'user.changed', [userId]);
    return Boolean(result.affected);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  actorOf(integration: IntegrationEntity): Actor {
    return { type: integration.type === IntegrationType.SCIM ? 'SCIM' : 'INTEGRATION', id: integration.id };
  }

  private checkedEmail(raw: string): string {
    const email = normalizeEmail(raw ?? '');
    if (!EMAIL_PATTERN.test(email) || email.length > 320) throw new ProvisioningError('INVALID_EMAIL', `"${raw}" is not a valid email address.`);
    return email;
  }

  /** This integration's link of one type, found by the local id when given, else by the upstream id. */
  private async linkBy(integration: IntegrationEntity, resourceType: ExternalResourceType, by: { localId?: string; externalId?: string | null }): Promise<ExternalLinkEntity | null> {
    const key = by.localId ? { localId: by.localId } : by.externalId ? { externalId: by.externalId } : null;
    return key ? this.dataSource.getRepository(ExternalLinkEntity).findOneBy({ integrationId: integration.id, resourceType, ...key }) : null;
  }

  private async insertLink(
    manager: EntityManager,
    integration: IntegrationEntity,
    resourceType: ExternalResourceType,
    externalId: string | null,
    localId: string,
    upstream: UpstreamUser | UpstreamGroup | null,
    now: Date,
  ): Promise<void> {
    await manager.insert(ExternalLinkEntity, {
      id: newId(),
      integrationId: integration.id,
      accountId: integration.accountId,
      resourceType,
      externalId,
      localId,
      fingerprint: upstream && 'email' in upstream ? fingerprintOf(upstream) : null,
      attributes: upstream?.attributes ? JSON.stringify(upstream.attributes) : null,
      lastSeenAt: now,
      createdAt: now,
    });
  }

  private publish(accountId: string, type: AccountEvent['type'], userIds: string[]): void {
    if (userIds.length) this.events.publish({ accountId, type, userIds, at: new Date() });
  }
}

function fingerprintOf(upstream: UpstreamUser): string {
  return createHash('sha256')
    .update(JSON.stringify([upstream.externalId, upstream.email, upstream.name, upstream.active, upstream.attributes ?? null]))
    .digest('hex');
}

function parseAttributes(json: string | null): Record<string, unknown> | null {
  return json ? (JSON.parse(json) as Record<string, unknown>) : null;
}
