import { type EntityManager } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { isSuspendable, restoreMemberships, suspendMemberships, UserStatus } from '../../accounts/index.js';
import { recordAudit } from '../../audit/index.js';
import { toSqlDateTime } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { isUniqueViolation } from '../../core/db/unique-violation.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction } from '../integration-kinds.js';
import { parseAttributes, ProvisioningBase } from './provisioning-base.js';
import { ProvisionAction, ProvisioningError, type LinkedUser, type ProvisionResult, type UpstreamUser } from './provisioning-model.js';
import { applyUserPage, readUserPage, type PageResult, type UserPageState } from './user-batch.js';
import {
  createUsersWithin,
  decideUserChange,
  linkUsersWithin,
  needsSuspender,
  suspendedByIntegration,
  userLink,
  UserEvents,
  writeUserChangesWithin,
  type UserWriteContext,
} from './user-writes.js';

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
    const ctx = this.writeContext(integration);
    const { ids, events } = await inTransaction(this.dataSource, async (manager) => {
      const events = new UserEvents();
      return { ids: await createUsersWithin(ctx, manager, [upstream], new Date(), events), events };
    });
    events.publish(ctx, this.events);
    if (ids[0] instanceof ProvisioningError) throw ids[0];
    return { userId: ids[0]!, action: ctx.options.autoInvite ? ProvisionAction.INVITED : ProvisionAction.STAGED };
  }

  private async linkExisting(
    integration: IntegrationEntity,
    membership: MembershipEntity,
    upstream: UpstreamUser,
  ): Promise<ProvisionResult> {
    const ctx = this.writeContext(integration);
    const link = userLink(integration, upstream, membership.id, new Date());
    await inTransaction(this.dataSource, (manager) => linkUsersWithin(ctx, manager, [link], [membership.email]));
    const after = await this.applyUserChanges(integration, { membership, link }, upstream);
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
    const ctx = this.writeContext(integration);
    const suspendedByUs =
      needsSuspender(linked, upstream) && (await suspendedByIntegration(this.dataSource, integration, [membership.id])).has(membership.id);
    const change = decideUserChange(ctx.options, linked, upstream, suspendedByUs);
    if (change.kind === 'SKIPPED') return { userId: membership.id, action: ProvisionAction.SKIPPED, reason: change.reason };
    if (change.kind === 'UNCHANGED') {
      await this.dataSource.getRepository(ExternalLinkEntity).update({ id: link.id }, { lastSeenAt: new Date() });
      return { userId: membership.id, action: ProvisionAction.UNCHANGED };
    }
    if (change.emailChanged) {
      const taken = await this.dataSource
        .getRepository(MembershipEntity)
        .existsBy({ accountId: integration.accountId, email: upstream.email });
      if (taken) throw new ProvisioningError('EMAIL_TAKEN', `Another user of this account already has the email ${upstream.email}.`);
    }
    const { action, events } = await inTransaction(this.dataSource, async (manager) => {
      const events = new UserEvents();
      const [action] = await writeUserChangesWithin(ctx, manager, [{ linked, upstream, change }], new Date(), events);
      return { action: action!, events };
    });
    events.publish(ctx, this.events);
    if (action instanceof ProvisioningError) throw action;
    return { userId: membership.id, action };
  }

  /** What a sync's page of users finds here (links, the users they point to or share an email with), read in a few queries. */
  readPage(integration: IntegrationEntity, users: Array<{ externalId: string; email: string | null }>): Promise<UserPageState> {
    return readUserPage(this.dataSource, integration, users);
  }

  /**
   * Applies a sync's page of upstream users in bulk (see user-batch.ts) and answers each one's outcome in order:
   * a result, or the ProvisioningError that refused it (the rest of the page goes in).
   */
  applyPage(integration: IntegrationEntity, upstreams: UpstreamUser[], state: UserPageState): Promise<PageResult[]> {
    return applyUserPage(
      {
        dataSource: this.dataSource,
        events: this.events,
        ctx: this.writeContext(integration),
        checkedEmail: (raw) => this.checkedEmail(raw),
        upsertOne: (upstream) => this.upsertUser(integration, upstream),
      },
      upstreams,
      state,
    );
  }

  private writeContext(integration: IntegrationEntity): UserWriteContext {
    return { integration, options: this.optionsOf(integration), actor: this.actorOf(integration), invitations: this.invitations };
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
