import { In, type DataSource } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { normalizeEmail } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { isUniqueViolation } from '../../core/db/unique-violation.js';
import type { EventBus } from '../../core/events.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type LinkedUser, type ProvisionResult, type UpstreamUser } from './provisioning-model.js';
import {
  createUsersWithin,
  decideUserChange,
  linkUsersWithin,
  needsSuspender,
  suspendedByIntegration,
  userLink,
  UserEvents,
  writeUserChangesWithin,
  type UserChange,
  type UserChangeToWrite,
  type UserWriteContext,
} from './user-writes.js';

/*
 * A page of upstream users applied in a few statements (a sync's users stage): one read of the page's links
 * and of the account's users they point to or share an email with, then one transaction with multi-row
 * inserts for the new users and their links, and per-row updates only for users whose fields changed.
 */

/** What a page of upstream users finds here. */
export interface UserPageState {
  /** This integration's user links, by upstream id. */
  links: Map<string, ExternalLinkEntity>;
  /** The account's users those links point to, and those sharing an email with the page, by id. */
  members: Map<string, MembershipEntity>;
  /** The same users by (normalised) email. */
  byEmail: Map<string, MembershipEntity>;
  /** Of those users, the ones this integration already links (under one of the page's upstream ids or another, or none). */
  linkedUsers: Set<string>;
}

const CHUNK = 500;

/**
 * New users are written 250 at a time (the import runner's batch): a chunk's rendered emails and statement texts
 * then die young, in a cheap scavenge, instead of a whole Graph page's (999) being promoted to the old generation.
 */
const CREATE_CHUNK = 250;

/** Reads what a page needs: 1 query per 500 upstream ids for the links, 1 for the users, 1 more only when some match by email. */
export async function readUserPage(
  dataSource: DataSource,
  integration: IntegrationEntity,
  users: Array<{ externalId: string; email: string | null }>,
): Promise<UserPageState> {
  const links = new Map<string, ExternalLinkEntity>();
  const externalIds = users.map((u) => u.externalId);
  for (let i = 0; i < externalIds.length; i += CHUNK) {
    const found = await dataSource.getRepository(ExternalLinkEntity).findBy({
      integrationId: integration.id,
      resourceType: ExternalResourceType.USER,
      externalId: In(externalIds.slice(i, i + CHUNK)),
    });
    for (const link of found) links.set(link.externalId!, link);
  }
  const linkedIds = [...new Set([...links.values()].map((l) => l.localId))];
  const emails = [...new Set(users.filter((u) => u.email).map((u) => normalizeEmail(u.email!)))];
  const members =
    linkedIds.length || emails.length
      ? await dataSource.getRepository(MembershipEntity).find({
          where: [
            ...(linkedIds.length ? [{ accountId: integration.accountId, id: In(linkedIds) }] : []),
            ...(emails.length ? [{ accountId: integration.accountId, email: In(emails) }] : []),
          ],
        })
      : [];
  const linkedSet = new Set(linkedIds);
  const byEmailOnly = members.filter((m) => !linkedSet.has(m.id)).map((m) => m.id);
  const linkedUsers = new Set<string>(linkedIds);
  if (byEmailOnly.length) {
    const others = await dataSource.getRepository(ExternalLinkEntity).find({
      where: { integrationId: integration.id, resourceType: ExternalResourceType.USER, localId: In(byEmailOnly) },
      select: { localId: true },
    });
    for (const link of others) linkedUsers.add(link.localId);
  }
  return {
    links,
    members: new Map(members.map((m) => [m.id, m])),
    byEmail: new Map(members.map((m) => [m.email, m])),
    linkedUsers,
  };
}

/** One user's outcome: what provisioning did, or why it refused. */
export type PageResult = ProvisionResult | ProvisioningError;

export interface PageDependencies {
  dataSource: DataSource;
  events: EventBus;
  ctx: UserWriteContext;
  /** The email check every way in uses (throws INVALID_EMAIL). */
  checkedEmail(raw: string): string;
  /** The per-user path (SCIM's): for users a page cannot take in bulk, and for the whole page after a conflict. */
  upsertOne(upstream: UpstreamUser): Promise<ProvisionResult>;
}

/**
 * Applies a page of upstream users (read by `readUserPage`) and answers each one's outcome, in order. New
 * users are created together, users matched by email are linked together, and linked users whose fields
 * changed are updated row by row, all in one transaction; live events go out once per kind after it commits.
 * A user the page cannot decide alone (the same email or upstream id twice in the page, a user linked under
 * another upstream id) takes the per-user path afterwards. When another writer created one of these users
 * or links meanwhile (a unique index refuses), the transaction is undone and the whole page takes the per-user
 * path, which decides each user again: nothing is created twice.
 */
export async function applyUserPage(deps: PageDependencies, upstreams: UpstreamUser[], state: UserPageState): Promise<PageResult[]> {
  const { ctx } = deps;
  const results: Array<PageResult | undefined> = new Array(upstreams.length);
  const fresh: number[] = [];
  const linking: Array<{ index: number; membership: MembershipEntity }> = [];
  const changing: Array<{ index: number; linked: LinkedUser }> = [];
  const alone: number[] = [];
  const checked: UpstreamUser[] = [];
  const claimed = new Set<string>();
  for (const [index, raw] of upstreams.entries()) {
    let upstream: UpstreamUser;
    try {
      upstream = { ...raw, email: deps.checkedEmail(raw.email) };
    } catch (error) {
      if (!(error instanceof ProvisioningError)) throw error;
      results[index] = error;
      continue;
    }
    checked[index] = upstream;
    const keys = [`email:${upstream.email}`, `id:${upstream.externalId}`];
    if (upstream.externalId === null || keys.some((key) => claimed.has(key))) {
      alone.push(index);
      continue;
    }
    for (const key of keys) claimed.add(key);
    const link = state.links.get(upstream.externalId);
    const existing = state.byEmail.get(upstream.email);
    if (link) {
      const membership = state.members.get(link.localId);
      if (membership) changing.push({ index, linked: { membership, link } });
      else alone.push(index);
    } else if (existing && state.linkedUsers.has(existing.id)) alone.push(index);
    else if (existing) linking.push({ index, membership: existing });
    else fresh.push(index);
  }

  // Decided before writing: reads (who suspended a user) stay out of the transaction.
  const now = new Date();
  const newLinks = linking.map(({ index, membership }) => userLink(ctx.integration, checked[index]!, membership.id, now));
  const toDecide = [...changing, ...linking.map(({ index, membership }, i) => ({ index, linked: { membership, link: newLinks[i]! } }))];
  const suspendedByUs = await suspendedByIntegration(
    deps.dataSource,
    ctx.integration,
    toDecide.filter(({ index, linked }) => needsSuspender(linked, checked[index]!)).map(({ linked }) => linked.membership.id),
  );
  const decided = new Map<number, { linked: LinkedUser; change: UserChange }>();
  for (const { index, linked } of toDecide) {
    decided.set(index, { linked, change: decideUserChange(ctx.options, linked, checked[index]!, suspendedByUs.has(linked.membership.id)) });
  }

  try {
    const written = await inTransaction(deps.dataSource, async (manager) => {
      // Made afresh on each attempt: a deadlock's retry must not announce the undone attempt's users.
      const events = new UserEvents();
      const page = new Map<number, PageResult>();
      const ids: Array<string | ProvisioningError> = [];
      for (let i = 0; i < fresh.length; i += CREATE_CHUNK) {
        const chunk = fresh.slice(i, i + CREATE_CHUNK).map((index) => checked[index]!);
        ids.push(...(await createUsersWithin(ctx, manager, chunk, now, events)));
      }
      fresh.forEach((index, i) => {
        const id = ids[i]!;
        page.set(
          index,
          id instanceof ProvisioningError
            ? id
            : { userId: id, action: ctx.options.autoInvite ? ProvisionAction.INVITED : ProvisionAction.STAGED },
        );
      });
      await linkUsersWithin(
        ctx,
        manager,
        newLinks,
        linking.map(({ membership }) => membership.email),
      );
      const isLinking = new Set(linking.map(({ index }) => index));
      const writes: Array<UserChangeToWrite & { index: number }> = [];
      for (const [index, { linked, change }] of decided) {
        const upstream = checked[index]!;
        const userId = linked.membership.id;
        if (change.kind === 'SKIPPED') page.set(index, { userId, action: ProvisionAction.SKIPPED, reason: change.reason });
        else if (change.kind === 'UNCHANGED') page.set(index, { userId, action: ProvisionAction.UNCHANGED });
        else if (change.emailChanged && state.byEmail.has(upstream.email) && state.byEmail.get(upstream.email)!.id !== userId)
          page.set(index, new ProvisioningError('EMAIL_TAKEN', `Another user of this account already has the email ${upstream.email}.`));
        else writes.push({ index, linked, upstream, change });
      }
      const actions = await writeUserChangesWithin(ctx, manager, writes, now, events);
      writes.forEach(({ index, linked }, i) => {
        const action = actions[i]!;
        page.set(index, action instanceof ProvisioningError ? action : { userId: linked.membership.id, action });
      });
      // Linked and brought up to date: a suspension or restore that came with it is the news worth reporting.
      for (const index of isLinking) {
        const result = page.get(index)!;
        if (result instanceof ProvisioningError) continue;
        const reported = [ProvisionAction.SUSPENDED, ProvisionAction.RESTORED, ProvisionAction.SKIPPED].includes(result.action);
        page.set(index, { ...result, action: reported ? result.action : ProvisionAction.LINKED });
      }
      return { page, events };
    });
    for (const [index, result] of written.page) results[index] = result;
    written.events.publish(ctx, deps.events);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    alone.push(...fresh, ...linking.map(({ index }) => index), ...changing.map(({ index }) => index));
    alone.sort((a, b) => a - b);
  }
  for (const index of alone) results[index] = await oneByOne(deps, checked[index]!);
  return results.map((result) => result!);
}

async function oneByOne(deps: PageDependencies, upstream: UpstreamUser): Promise<PageResult> {
  try {
    return await deps.upsertOne(upstream);
  } catch (error) {
    if (error instanceof ProvisioningError) return error;
    throw error;
  }
}
