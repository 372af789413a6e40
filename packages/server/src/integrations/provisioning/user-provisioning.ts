import { type EntityManager } from 'typeorm';
import { AccountEntity } from '../../accounts/account.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { isSuspendable, UserSource, UserStatus } from '../../accounts/index.js';
import { recordAudit } from '../../audit/index.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { restoreMemberships, suspendMemberships } from '../../accounts/index.js';
import { newId, toSqlDateTime } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { isUniqueViolation } from '../../core/db/unique-violation.js';
import { InvitationEntity, InvitationState, type NewInvitation } from '../../invitations/index.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, IntegrationType, UpstreamRemovalAction } from '../integration-kinds.js';
import { fingerprintOf, parseAttributes, ProvisioningBase } from './provisioning-base.js';
import { ProvisionAction, ProvisioningError, type LinkedUser, type ProvisionResult, type UpstreamUser } from './provisioning-model.js';

/** Users from upstream: created (invited or staged), linked by email, updated, suspended, restored, unlinked. */
export class UserProvisioning extends ProvisioningBase {
  /** The user linked to this integration by Roster id (SCIM id) or upstream id, or null. */
  async findLinkedUser(integration: IntegrationEntity, by: { userId?: string; externalId?: string }): Promise<LinkedUser | null> {
    const link = await this.linkBy(integration, ExternalResourceType.USER, { localId: by.userId, externalId: by.externalId });
    if (!link) return null;
    const membership = await this.dataSource
      .getRepository(MembershipEntity)
      .findOneBy({ id: link.localId, accountId: integration.accountId });
    return membership ? { membership, link } : null;
  }

  /**
   * Creates or updates the user for an upstream object: matched by its link (external id), else by email in
   * the account (then linked), else created per the options. `mustBeNew` (SCIM POST) answers CONFLICT when the
   * object is already linked to this integration.
   */
  async upsertUser(
    integration: IntegrationEntity,
    upstream: UpstreamUser,
    options: { mustBeNew?: boolean } = {},
  ): Promise<ProvisionResult> {
    const email = this.checkedEmail(upstream.email);
    try {
      return await this.upsertUserOnce(integration, { ...upstream, email }, options);
    } catch (error) {
      // A concurrent request (IdPs send in parallel) created the same user or link a moment ago: decide again.
      if (!isUniqueViolation(error)) throw error;
      return this.upsertUserOnce(integration, { ...upstream, email }, options);
    }
  }

  private async upsertUserOnce(
    integration: IntegrationEntity,
    upstream: UpstreamUser,
    options: { mustBeNew?: boolean },
  ): Promise<ProvisionResult> {
    const linked = upstream.externalId ? await this.findLinkedUser(integration, { externalId: upstream.externalId }) : null;
    if (linked) {
      if (options.mustBeNew)
        return {
          userId: linked.membership.id,
          action: ProvisionAction.CONFLICT,
          reason: `A user with externalId "${upstream.externalId}" already exists.`,
        };
      return this.updateLinkedUser(integration, linked, upstream);
    }
    const existing = await this.dataSource
      .getRepository(MembershipEntity)
      .findOneBy({ accountId: integration.accountId, email: upstream.email });
    if (existing) {
      const otherLink = await this.linkBy(integration, ExternalResourceType.USER, { localId: existing.id });
      if (otherLink) {
        if (options.mustBeNew)
          return {
            userId: existing.id,
            action: ProvisionAction.CONFLICT,
            reason: `A user with userName "${upstream.email}" already exists.`,
          };
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
        await recordAudit(manager, integration.accountId, actor, [
          { action: 'user.staged', targetId: id, targetEmail: upstream.email, details: { integrationId: integration.id } },
        ]);
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

  private async linkExisting(
    integration: IntegrationEntity,
    membership: MembershipEntity,
    upstream: UpstreamUser,
  ): Promise<ProvisionResult> {
    const now = new Date();
    await inTransaction(this.dataSource, async (manager) => {
      await this.insertLink(manager, integration, ExternalResourceType.USER, upstream.externalId, membership.id, upstream, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        {
          action: 'user.linked',
          targetId: membership.id,
          targetEmail: membership.email,
          details: { integrationId: integration.id, externalId: upstream.externalId },
        },
      ]);
    });
    const after = await this.applyUserChanges(
      integration,
      { membership, link: (await this.linkBy(integration, ExternalResourceType.USER, { localId: membership.id }))! },
      upstream,
    );
    // Linked and brought up to date; a suspension or restore that came with it is the news worth reporting.
    const reported =
      after.action === ProvisionAction.SUSPENDED || after.action === ProvisionAction.RESTORED || after.action === ProvisionAction.SKIPPED;
    return {
      userId: membership.id,
      action: reported ? after.action : ProvisionAction.LINKED,
      ...(after.reason ? { reason: after.reason } : {}),
    };
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
    const wantsSuspend =
      !upstream.active && membership.status !== UserStatus.SUSPENDED && opts.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND;
    // Upstream restates `active: true` on every sync and PUT: only a suspension this integration made is undone
    // by it; an admin's own suspension stands until an admin restores the user.
    const wantsRestore =
      upstream.active && membership.status === UserStatus.SUSPENDED && (await this.suspendedBy(integration, membership.id));
    if (wantsSuspend && !isSuspendable(membership.role)) {
      return {
        userId: membership.id,
        action: ProvisionAction.SKIPPED,
        reason: 'An owner is never suspended from upstream; change it in Roster.',
      };
    }
    if (!emailChanged && !nameChanged && !externalIdChanged && !wantsSuspend && !wantsRestore && link.fingerprint === fingerprint) {
      await this.dataSource.getRepository(ExternalLinkEntity).update({ id: link.id }, { lastSeenAt: now });
      return { userId: membership.id, action: ProvisionAction.UNCHANGED };
    }
    if (emailChanged) {
      const taken = await this.dataSource
        .getRepository(MembershipEntity)
        .existsBy({ accountId: integration.accountId, email: upstream.email });
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
        {
          externalId: upstream.externalId,
          fingerprint,
          attributes: upstream.attributes ? JSON.stringify(upstream.attributes) : null,
          lastSeenAt: now,
        },
      );
      const audit = [];
      if (emailChanged || nameChanged || externalIdChanged) {
        audit.push({
          action: 'user.updated',
          targetId: membership.id,
          targetEmail: upstream.email,
          details: { integrationId: integration.id, ...(emailChanged ? { previousEmail: membership.email } : {}) },
        });
      }
      await recordAudit(manager, integration.accountId, actor, audit);
      if (wantsSuspend) await this.suspendWithin(manager, integration, [membership.id], now);
      if (wantsRestore)
        await restoreMemberships(manager, integration.accountId, actor, [membership.id], now, { integrationId: integration.id });
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
      .where('link.integration_id = :id AND link.resource_type = :type AND link.last_seen_at < :since', {
        id: integration.id,
        type: ExternalResourceType.USER,
        since: toSqlDateTime(since),
      })
      .getRawMany<{ localId: string }>();
    return rows.map((r) => r.localId);
  }

  /** How many users this integration holds (the base of the mass-suspend safeguard). */
  async linkedUserCount(integration: IntegrationEntity): Promise<number> {
    return this.dataSource
      .getRepository(ExternalLinkEntity)
      .countBy({ integrationId: integration.id, resourceType: ExternalResourceType.USER });
  }
}
