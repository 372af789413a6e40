import { In, type DataSource, type EntityManager, type EntityTarget } from 'typeorm';
import { AccountEntity } from '../../accounts/account.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import {
  claimSeats,
  isSuspendable,
  restoreMemberships,
  seatRefusal,
  suspendMemberships,
  UserSource,
  UserStatus,
} from '../../accounts/index.js';
import { recordAudit, type Actor } from '../../audit/index.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { bulkInsertEntities } from '../../core/db/bulk-insert.js';
import { newId } from '../../core/db/columns.js';
import type { EventBus } from '../../core/events.js';
import { InvitationEntity, InvitationState, type InvitationService, type NewInvitation } from '../../invitations/index.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, IntegrationType, UpstreamRemovalAction, type IntegrationOptions } from '../integration-kinds.js';
import { fingerprintOf } from './provisioning-base.js';
import { ProvisionAction, ProvisioningError, type LinkedUser, type UpstreamUser } from './provisioning-model.js';

/*
 * The writes that bring upstream users in, for one user (SCIM, a per-user fallback) or a whole page of a
 * sync alike: each takes a list and writes it with multi-row inserts inside the caller's transaction, and
 * collects the live events to publish once that transaction has committed.
 */

/** What the writes need to know about the integration they write for. */
export interface UserWriteContext {
  integration: IntegrationEntity;
  options: IntegrationOptions;
  actor: Actor;
  invitations: InvitationService;
}

/** Live events of committed writes, gathered so a page publishes each kind once with all its users. */
export class UserEvents {
  private invited: NewInvitation[] = [];
  private emailsQueued = false;
  readonly changed: string[] = [];
  readonly suspended: string[] = [];
  readonly restored: string[] = [];

  addInvited(created: NewInvitation[], emailsQueued: boolean): void {
    this.invited.push(...created);
    this.emailsQueued ||= emailsQueued && created.length > 0;
  }

  /** After commit: user.invited (and the outbox nudge), user.changed, user.suspended, user.restored. */
  publish(ctx: UserWriteContext, events: EventBus): void {
    const accountId = ctx.integration.accountId;
    if (this.invited.length) ctx.invitations.announceInvited(accountId, this.invited, this.emailsQueued);
    for (const [type, userIds] of [
      ['user.changed', this.changed],
      ['user.suspended', this.suspended],
      ['user.restored', this.restored],
    ] as const) {
      if (userIds.length) events.publish({ accountId, type, userIds: [...new Set(userIds)], at: new Date() });
    }
  }
}

/** The link row tying an upstream user to a local one. */
export function userLink(integration: IntegrationEntity, upstream: UpstreamUser, localId: string, now: Date): ExternalLinkEntity {
  return {
    id: newId(),
    integrationId: integration.id,
    accountId: integration.accountId,
    resourceType: ExternalResourceType.USER,
    externalId: upstream.externalId,
    localId,
    fingerprint: fingerprintOf(upstream),
    attributes: upstream.attributes ? JSON.stringify(upstream.attributes) : null,
    lastSeenAt: now,
    createdAt: now,
  };
}

/**
 * New users from upstream (emails already checked and new to the account): invited through the invitations
 * feature's one writer (`createWithin`: users, invitations, emails, audit) or staged when auto-invite is off,
 * then linked; those disabled upstream are suspended at once. Returns their ids, in order; an invited user past the
 * account's seat limit is not created and answers SEAT_LIMIT_REACHED in its place (staged and disabled ones take no seat).
 */
export async function createUsersWithin(
  ctx: UserWriteContext,
  manager: EntityManager,
  given: UpstreamUser[],
  now: Date,
  events: UserEvents,
): Promise<Array<string | ProvisioningError>> {
  if (given.length === 0) return [];
  const { integration, options, actor } = ctx;
  const refused = new Map<UpstreamUser, ProvisioningError>();
  if (options.autoInvite) {
    const seated = given.filter((u) => u.active);
    const claim = await claimSeats(manager, integration.accountId, seated.length);
    for (const upstream of seated.slice(claim.granted))
      refused.set(upstream, new ProvisioningError('SEAT_LIMIT_REACHED', seatRefusal(claim)));
  }
  const upstreams = given.filter((u) => !refused.has(u));
  if (upstreams.length === 0) return given.map((u) => refused.get(u)!);
  const source = integration.type === IntegrationType.SCIM ? UserSource.SCIM : UserSource.INTEGRATION;
  let ids: string[];
  if (!options.autoInvite) {
    const staged: MembershipEntity[] = upstreams.map((upstream) => ({
      id: newId(),
      accountId: integration.accountId,
      personId: null,
      email: upstream.email,
      name: upstream.name,
      jobTitle: null,
      role: options.defaultRole,
      status: UserStatus.STAGED,
      source,
      externalId: upstream.externalId,
      companyId: null,
      lastActiveAt: null,
      createdAt: now,
      updatedAt: now,
    }));
    await bulkInsertEntities(manager, MembershipEntity, staged);
    await recordAudit(
      manager,
      integration.accountId,
      actor,
      staged.map((m) => ({ action: 'user.staged', targetId: m.id, targetEmail: m.email, details: { integrationId: integration.id } })),
    );
    ids = staged.map((m) => m.id);
    events.changed.push(...ids);
  } else {
    const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: integration.accountId });
    const created = await ctx.invitations.createWithin(
      manager,
      account,
      integration.createdBy,
      actor,
      upstreams.map((u) => ({
        email: u.email,
        name: u.name,
        role: options.defaultRole,
        companyId: null,
        groupIds: null,
        externalId: u.externalId,
      })),
      { sendEmail: options.sendInvitationEmails, source },
    );
    ids = created.map((c) => c.membership.id);
    events.addInvited(created, options.sendInvitationEmails);
  }
  await bulkInsertEntities(
    manager,
    ExternalLinkEntity,
    upstreams.map((upstream, index) => userLink(integration, upstream, ids[index]!, now)),
  );
  const disabled = ids.filter((_, index) => !upstreams[index]!.active);
  events.suspended.push(
    ...(await suspendMemberships(manager, integration.accountId, actor, disabled, now, { integrationId: integration.id })),
  );
  const idOf = new Map(upstreams.map((u, index) => [u, ids[index]!]));
  return given.map((u) => refused.get(u) ?? idOf.get(u)!);
}

/** Ties existing users of the account (matched by email) to their upstream objects: the links and `user.linked` entries. */
export async function linkUsersWithin(
  ctx: UserWriteContext,
  manager: EntityManager,
  links: ExternalLinkEntity[],
  emails: string[],
): Promise<void> {
  if (links.length === 0) return;
  await bulkInsertEntities(manager, ExternalLinkEntity, links);
  await recordAudit(
    manager,
    ctx.integration.accountId,
    ctx.actor,
    links.map((link, index) => ({
      action: 'user.linked',
      targetId: link.localId,
      targetEmail: emails[index]!,
      details: { integrationId: ctx.integration.id, externalId: link.externalId },
    })),
  );
}

/** What applying an upstream user to its linked local user changes. */
export type UserChange =
  | { kind: 'UNCHANGED' }
  | { kind: 'SKIPPED'; reason: string }
  | {
      kind: 'WRITE';
      emailChanged: boolean;
      nameChanged: boolean;
      externalIdChanged: boolean;
      wantsSuspend: boolean;
      wantsRestore: boolean;
      fingerprint: string;
    };

/** Whether restoring this user needs to know who suspended them (read with `suspendedByIntegration`). */
export function needsSuspender(linked: LinkedUser, upstream: UpstreamUser): boolean {
  return upstream.active && linked.membership.status === UserStatus.SUSPENDED;
}

/**
 * Decides what changes. Upstream restates `active: true` on every sync and PUT: only a suspension this
 * integration made (`suspendedByUs`) is undone by it; an admin's own suspension stands until an admin restores.
 */
export function decideUserChange(
  options: IntegrationOptions,
  linked: LinkedUser,
  upstream: UpstreamUser,
  suspendedByUs: boolean,
): UserChange {
  const { membership, link } = linked;
  const fingerprint = fingerprintOf(upstream);
  const emailChanged = upstream.email !== membership.email;
  const nameChanged = (upstream.name ?? null) !== (membership.name ?? null) && upstream.name !== null;
  const externalIdChanged = upstream.externalId !== link.externalId;
  const wantsSuspend =
    !upstream.active && membership.status !== UserStatus.SUSPENDED && options.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND;
  const wantsRestore = needsSuspender(linked, upstream) && suspendedByUs;
  if (wantsSuspend && !isSuspendable(membership.role))
    return { kind: 'SKIPPED', reason: 'An owner is never suspended from upstream; change it in Roster.' };
  if (!emailChanged && !nameChanged && !externalIdChanged && !wantsSuspend && !wantsRestore && link.fingerprint === fingerprint)
    return { kind: 'UNCHANGED' };
  return { kind: 'WRITE', emailChanged, nameChanged, externalIdChanged, wantsSuspend, wantsRestore, fingerprint };
}

/** A decided change of one linked user, to write. */
export interface UserChangeToWrite {
  linked: LinkedUser;
  upstream: UpstreamUser;
  change: Extract<UserChange, { kind: 'WRITE' }>;
}

/**
 * Writes decided changes of linked users inside the caller's transaction and answers each one's action, in order:
 * grouped updates of what changed (the users' fields, their pending invitations when the email changed, the links:
 * one statement each per 200 users), one audit insert for all the updates and one suspension for all the users
 * disabled upstream. An email change keeps a pending invitation working: the invitation follows the new address.
 * A restore past the account's seat limit leaves the user suspended and answers SEAT_LIMIT_REACHED in its place.
 */
export async function writeUserChangesWithin(
  ctx: UserWriteContext,
  manager: EntityManager,
  writes: UserChangeToWrite[],
  now: Date,
  events: UserEvents,
): Promise<Array<ProvisionAction | ProvisioningError>> {
  const { integration, actor } = ctx;
  const audit: Parameters<typeof recordAudit>[3] = [];
  const users: Array<{ id: string; set: Partial<MembershipEntity> }> = [];
  for (const { linked, upstream, change } of writes) {
    const { membership } = linked;
    const fieldsChanged = change.emailChanged || change.nameChanged || change.externalIdChanged;
    // A suspension or restore stamps the user's updatedAt itself.
    if (fieldsChanged || (!change.wantsSuspend && !change.wantsRestore)) {
      const set: Partial<MembershipEntity> = {};
      if (change.emailChanged) set.email = upstream.email;
      if (change.nameChanged) set.name = upstream.name;
      if (change.externalIdChanged) set.externalId = upstream.externalId;
      users.push({ id: membership.id, set });
    }
    if (fieldsChanged) {
      audit.push({
        action: 'user.updated',
        targetId: membership.id,
        targetEmail: upstream.email,
        details: { integrationId: integration.id, ...(change.emailChanged ? { previousEmail: membership.email } : {}) },
      });
    }
  }
  await updateEach(manager, MembershipEntity, users, { updatedAt: now });
  // A changed email's pending invitation follows it, so the link still works.
  await updateEach(
    manager,
    InvitationEntity,
    writes.filter((w) => w.change.emailChanged).map((w) => ({ id: w.linked.membership.id, set: { email: w.upstream.email } })),
    {},
    { key: 'membershipId', also: { state: InvitationState.PENDING } },
  );
  await updateEach(
    manager,
    ExternalLinkEntity,
    writes.map(({ linked, upstream, change }) => ({
      id: linked.link.id,
      set: {
        externalId: upstream.externalId,
        fingerprint: change.fingerprint,
        attributes: upstream.attributes ? JSON.stringify(upstream.attributes) : null,
      },
    })),
    { lastSeenAt: now },
  );
  await recordAudit(manager, integration.accountId, actor, audit);
  const details = { integrationId: integration.id };
  const idsWhere = (wanted: (w: UserChangeToWrite) => boolean) => writes.filter(wanted).map((w) => w.linked.membership.id);
  const suspend = idsWhere((w) => w.change.wantsSuspend);
  const restore = idsWhere((w) => w.change.wantsRestore);
  events.suspended.push(...(await suspendMemberships(manager, integration.accountId, actor, suspend, now, details)));
  const pastSeatLimit = new Map<string, string>();
  events.restored.push(...(await restoreMemberships(manager, integration.accountId, actor, restore, now, details, pastSeatLimit)));
  events.changed.push(...idsWhere((w) => !w.change.wantsSuspend && !w.change.wantsRestore));
  return writes.map(({ change, linked }) => {
    const refused = pastSeatLimit.get(linked.membership.id);
    if (refused) return new ProvisioningError('SEAT_LIMIT_REACHED', refused);
    return change.wantsSuspend ? ProvisionAction.SUSPENDED : change.wantsRestore ? ProvisionAction.RESTORED : ProvisionAction.UPDATED;
  });
}

/** Of these users, those whose latest suspension this integration made (not an admin or another integration): one query. */
export async function suspendedByIntegration(
  dataSource: DataSource,
  integration: IntegrationEntity,
  userIds: string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await dataSource.getRepository(AuditEventEntity).find({
    where: { accountId: integration.accountId, targetId: In(userIds), action: 'user.suspended' },
    order: { createdAt: 'DESC' },
    select: { targetId: true, actorType: true, actorId: true, createdAt: true },
  });
  const latest = new Map<string, AuditEventEntity>();
  for (const row of rows) if (!latest.has(row.targetId!)) latest.set(row.targetId!, row);
  return new Set(
    [...latest.values()]
      .filter((row) => row.actorId === integration.id && (row.actorType === 'SCIM' || row.actorType === 'INTEGRATION'))
      .map((row) => row.targetId!),
  );
}

/**
 * Updates many rows of one table by id (or `by.key`, and only where `by.also` holds), each with its own values, in one
 * statement per 200 rows (`SET column = CASE id WHEN ? THEN ? ... ELSE column END`), and `same` on all of them. Values are converted as
 * TypeORM converts them (transformers, then the driver), so rows read back as if written by `manager.update`.
 */
async function updateEach<T extends object>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: Array<{ id: string; set: Partial<T> }>,
  same: Partial<T>,
  by: { key?: keyof T & string; also?: Partial<T> } = {},
): Promise<void> {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const q = (name: string) => driver.escape(name);
  const column = (property: string) => {
    const found = metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`updateEach: ${metadata.name} has no column ${property}.`);
    return found;
  };
  const id = q(column(by.key ?? 'id').databaseName);
  const also = Object.entries(by.also ?? {}).map(([property, value]) => ({ meta: column(property), value }));
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const values: unknown[] = [];
    const sets: string[] = [];
    for (const property of new Set(chunk.flatMap((row) => Object.keys(row.set)))) {
      const meta = column(property);
      const name = q(meta.databaseName);
      const whens = chunk
        .filter((row) => property in row.set)
        .map((row) => {
          values.push(row.id, driver.preparePersistentValue(row.set[property as keyof T], meta));
          return 'WHEN ? THEN ?';
        });
      sets.push(`${name} = CASE ${id} ${whens.join(' ')} ELSE ${name} END`);
    }
    for (const [property, value] of Object.entries(same)) {
      const meta = column(property);
      sets.push(`${q(meta.databaseName)} = ?`);
      values.push(driver.preparePersistentValue(value, meta));
    }
    values.push(...chunk.map((row) => row.id));
    const extra = also.map(({ meta }) => ` AND ${q(meta.databaseName)} = ?`).join('');
    values.push(...also.map(({ meta, value }) => driver.preparePersistentValue(value, meta)));
    await manager.query(
      `UPDATE ${q(metadata.tableName)} SET ${sets.join(', ')} WHERE ${id} IN (${chunk.map(() => '?').join(', ')})${extra}`,
      values,
    );
  }
}
