import { In, type EntityManager } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { assertMayGrant, claimSeats, rolePlural, seatRefusal } from '../accounts/index.js';
import { readJobTitle, UserSource, UserStatus } from '../accounts/index.js';
import { badInput, InvitationErrorCode, invitationError, notFound } from '../core/errors.js';
import type { Actor } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { isUniqueViolation } from '../core/db/unique-violation.js';
import { GroupEntity } from '../groups/group.entity.js';
import { MAX_ADDRESS_TEXT, MAX_ADDRESSES_PER_REQUEST, parseAddressList, type ParsedAddress } from './address-list.js';
import { announce, createWithin } from './create-invitations.js';
import { InviteVerdict, type InvitationContext, type InviteOptions, type InviteOutcome, type NewInvitation } from './invitation-model.js';

/** Addresses settled per transaction. */
const CHUNK = 200;

/** Invites every valid, new address of a pasted list; every entry gets its verdict. */
export async function inviteAddresses(
  ctx: InvitationContext,
  viewer: Viewer,
  text: string,
  options: InviteOptions,
): Promise<InviteOutcome[]> {
  if (text.length > MAX_ADDRESS_TEXT)
    throw badInput('input.addresses', 'The list is too long; paste at most 1,000 addresses at a time, or import a CSV file.');
  const parsed = parseAddressList(text);
  if (parsed.length === 0) throw badInput('input.addresses', 'Enter at least one email address.');
  if (parsed.length > MAX_ADDRESSES_PER_REQUEST) {
    throw invitationError(
      InvitationErrorCode.TOO_MANY_ADDRESSES,
      `You pasted ${parsed.length.toLocaleString('en')} addresses; invite at most ${MAX_ADDRESSES_PER_REQUEST.toLocaleString('en')} at a time, or import a CSV file.`,
      { field: 'input.addresses', limit: MAX_ADDRESSES_PER_REQUEST },
    );
  }
  return invite(ctx, viewer, actorOf(viewer), parsed, options);
}

/** The shared core for pasted lists, CSV rows and integrations. */
export async function invite(
  ctx: InvitationContext,
  viewer: Pick<Viewer, 'accountId' | 'role' | 'personId'>,
  actor: Actor,
  entries: ParsedAddress[],
  given: InviteOptions,
): Promise<InviteOutcome[]> {
  const options = { ...given, jobTitle: jobTitleOption(given.jobTitle) };
  await validateOptions(ctx, viewer, options);
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
  for (let i = 0; i < fresh.length; i += CHUNK) await inviteChunk(ctx, viewer, actor, fresh.slice(i, i + CHUNK), options);
  return outcomes;
}

async function inviteChunk(
  ctx: InvitationContext,
  viewer: Pick<Viewer, 'accountId' | 'personId'>,
  actor: Actor,
  chunk: InviteOutcome[],
  options: InviteOptions,
): Promise<void> {
  const existing = await ctx.dataSource.getRepository(MembershipEntity).find({
    where: { accountId: viewer.accountId, email: In(chunk.map((o) => o.email!)) },
    select: { id: true, email: true, status: true },
  });
  const byEmail = new Map(existing.map((m) => [m.email, m]));
  const toCreate: InviteOutcome[] = [];
  for (const outcome of chunk) {
    const member = byEmail.get(outcome.email!);
    if (!member) toCreate.push(outcome);
    else if (member.status === UserStatus.INVITED) {
      Object.assign(outcome, {
        verdict: InviteVerdict.ALREADY_INVITED,
        userId: member.id,
        reason: 'Already invited; you can re-invite them.',
      });
    } else {
      Object.assign(outcome, { verdict: InviteVerdict.ALREADY_MEMBER, userId: member.id, reason: 'Already a member of this account.' });
    }
  }
  if (toCreate.length === 0) return;
  try {
    const created = await inTransaction(ctx.dataSource, (manager) => createInvitations(ctx, manager, viewer, actor, toCreate, options));
    announce(ctx, viewer.accountId, 'user.invited', created, options.sendEmail);
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
    for (const outcome of toCreate) await inviteChunk(ctx, viewer, actor, [outcome], options);
  }
}

async function createInvitations(
  ctx: InvitationContext,
  manager: EntityManager,
  viewer: Pick<Viewer, 'accountId' | 'personId'>,
  actor: Actor,
  outcomes: InviteOutcome[],
  options: InviteOptions,
): Promise<NewInvitation[]> {
  // Seats first (the account lock is the transaction's first): the addresses past the limit are refused, in list order.
  const claim = await claimSeats(manager, viewer.accountId, outcomes.length);
  const within = outcomes.slice(0, claim.granted);
  for (const outcome of outcomes.slice(claim.granted))
    Object.assign(outcome, { verdict: InviteVerdict.SEAT_LIMIT_REACHED, userId: null, inviteLink: null, reason: seatRefusal(claim) });
  if (within.length === 0) return [];
  const account = await manager.getRepository(AccountEntity).findOneByOrFail({ id: viewer.accountId });
  const created = await createWithin(
    ctx,
    manager,
    account,
    viewer.personId,
    actor,
    within.map((o) => ({
      email: o.email!,
      name: o.name,
      jobTitle: options.jobTitle ?? null,
      role: options.role,
      companyId: options.companyId ?? null,
      groupIds: options.groupIds ?? null,
    })),
    { sendEmail: options.sendEmail, source: options.source ?? UserSource.MANUAL },
  );
  created.forEach((c, index) =>
    Object.assign(within[index]!, {
      verdict: InviteVerdict.INVITED,
      userId: c.membership.id,
      inviteLink: ctx.acceptUrl(c.token),
      reason: null,
    }),
  );
  return created;
}

async function validateOptions(ctx: InvitationContext, viewer: Pick<Viewer, 'accountId' | 'role'>, options: InviteOptions): Promise<void> {
  assertMayGrant(viewer.role, options.role, `invite ${rolePlural(options.role)}`, 'input.role');
  if (
    options.companyId &&
    !(await ctx.dataSource.getRepository(CompanyEntity).existsBy({ id: options.companyId, accountId: viewer.accountId }))
  ) {
    throw notFound('Company', 'input.companyId');
  }
  const groupIds = [...new Set(options.groupIds ?? [])];
  if (groupIds.length > 100) throw badInput('input.groupIds', 'Choose at most 100 groups.');
  if (groupIds.length) {
    const found = await ctx.dataSource.getRepository(GroupEntity).count({ where: { id: In(groupIds), accountId: viewer.accountId } });
    if (found !== groupIds.length) throw notFound('Group', 'input.groupIds');
  }
}

function jobTitleOption(value: string | null | undefined): string | null {
  const reading = readJobTitle(value);
  if (!reading.ok) throw badInput('input.jobTitle', `The job title is too long (${reading.problem}).`);
  return reading.jobTitle;
}
