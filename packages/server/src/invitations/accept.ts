import { In, IsNull } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { readName, UserStatus } from '../accounts/index.js';
import { badInput, invalidCredentials, InvitationErrorCode, invitationError, ssoRequired } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { hashPassword, passwordRefusedIn, verifyPassword } from '../auth/index.js';
import type { Viewer } from '../core/viewer.js';
import { newId, normalizeEmail } from '../core/db/columns.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { InvitationEntity, InvitationState } from './invitation.entity.js';
import type { InvitationContext } from './invitation-model.js';
import { failUnlessValid, findByToken } from './link-state.js';

/**
 * Accepts an invitation: a new person chooses name and password; an existing person proves who they
 * are (a session as that email, or their password). Single use, even when two tabs accept at once.
 * The typed name is this account's name for them; a person who already has a name elsewhere keeps it there
 * (each account shows its own membership's name, see users.service.ts), so accepting never renames anyone
 * in another account.
 */
export async function accept(
  ctx: InvitationContext,
  token: string,
  input: {
    name?: string | null;
    password?: string | null;
    /** The account's identity provider (SSO) vouched for the invited email: no password is asked or set; `name` is the provider's. */
    verifiedBySso?: boolean;
  },
  signedIn: Viewer | null,
): Promise<{ personId: string; membership: MembershipEntity }> {
  const invitation = await findByToken(ctx, token);
  if (!invitation)
    throw invitationError(
      InvitationErrorCode.INVITATION_NOT_FOUND,
      'This invitation link is not valid. Check that you copied the whole link.',
    );
  failUnlessValid(invitation);
  // An account that signs in with SSO only is joined through SSO too (owners aside): a password would get around it.
  if (!input.verifiedBySso && (await passwordRefusedIn(ctx.dataSource, invitation.accountId, invitation.role))) throw ssoRequired();

  const personRepo = ctx.dataSource.getRepository(PersonEntity);
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
  let typedName: string | null = null;
  if (input.verifiedBySso) {
    const reading = readName(input.name);
    typedName = reading.ok ? reading.name : null;
    if (!existing)
      newPerson = { id: newId(), email: normalizeEmail(invitation.email), name: typedName, passwordHash: null, createdAt: new Date() };
  } else if (existing?.passwordHash) {
    if (!signedIn) {
      if (!input.password)
        throw invitationError(
          InvitationErrorCode.SIGN_IN_REQUIRED,
          `You already have a Roster sign-in as ${invitation.email}; enter your password to accept.`,
        );
      if (!(await verifyPassword(input.password, existing.passwordHash))) {
        throw invalidCredentials();
      }
    }
  } else {
    const reading = readName(input.name);
    if (!reading.ok) throw badInput('input.name', reading.problem);
    const name = reading.name;
    if (!name) throw badInput('input.name', 'Enter your name.');
    const password = input.password ?? '';
    if (password.length < 10) throw badInput('input.password', 'Choose a password of at least 10 characters.');
    if (password.length > 1024) throw badInput('input.password', 'A password has at most 1024 characters.');
    typedName = name;
    newPerson = existing
      ? { ...existing, name: existing.name ?? name, passwordHash: await hashPassword(password) }
      : { id: newId(), email: normalizeEmail(invitation.email), name, passwordHash: await hashPassword(password), createdAt: new Date() };
  }

  const now = new Date();
  const membership = await inTransaction(ctx.dataSource, async (manager) => {
    const claimed = await manager.update(
      InvitationEntity,
      { id: invitation.id, state: InvitationState.PENDING },
      { state: InvitationState.ACCEPTED, acceptedAt: now },
    );
    if (!claimed.affected)
      throw invitationError(InvitationErrorCode.INVITATION_ALREADY_USED, 'This invitation has already been used. Sign in instead.');
    let personId = existing?.id ?? null;
    if (newPerson && existing)
      await manager.update(PersonEntity, { id: existing.id }, { name: newPerson.name, passwordHash: newPerson.passwordHash });
    else if (newPerson) {
      await manager.insert(PersonEntity, newPerson);
      personId = newPerson.id;
    }
    const groupIds: string[] = invitation.groupIds ? JSON.parse(invitation.groupIds) : [];
    const companyId =
      invitation.companyId &&
      (await manager.getRepository(CompanyEntity).existsBy({ id: invitation.companyId, accountId: invitation.accountId }))
        ? invitation.companyId
        : null;
    const updated = await manager.update(
      MembershipEntity,
      { id: invitation.membershipId!, status: UserStatus.INVITED },
      {
        status: UserStatus.ACTIVE,
        personId,
        role: invitation.role,
        updatedAt: now,
        // Accepting is their first activity: the live row says so at once, not "Never".
        lastActiveAt: now,
        ...(typedName ? { name: typedName } : {}),
        ...(companyId ? { companyId } : {}),
      },
    );
    if (!updated.affected)
      throw invitationError(InvitationErrorCode.INVITATION_REVOKED, 'This invitation was withdrawn. Ask your administrator for a new one.');
    // Someone joining with their existing sign-in brings their name to a user invited without one: the Users page
    // sorts and searches the account's own name column (indexed), not the person's.
    if (!typedName && existing?.name)
      await manager.update(MembershipEntity, { id: invitation.membershipId!, name: IsNull() }, { name: existing.name });
    if (groupIds.length) {
      const groups = await manager
        .getRepository(GroupEntity)
        .find({ where: { id: In(groupIds), accountId: invitation.accountId }, select: { id: true } });
      const already = await manager
        .getRepository(GroupMemberEntity)
        .find({ where: { membershipId: invitation.membershipId!, groupId: In(groupIds) } });
      const missing = groups.filter((g) => !already.some((a) => a.groupId === g.id));
      if (missing.length)
        await manager.insert(
          GroupMemberEntity,
          missing.map((g) => ({ groupId: g.id, membershipId: invitation.membershipId!, accountId: invitation.accountId })),
        );
    }
    await recordAudit(manager, invitation.accountId, { type: 'PERSON', id: personId }, [
      { action: 'user.accepted', targetId: invitation.membershipId, targetEmail: invitation.email },
    ]);
    return manager.getRepository(MembershipEntity).findOneByOrFail({ id: invitation.membershipId! });
  });
  ctx.events.publish({ accountId: invitation.accountId, type: 'user.accepted', userIds: [membership.id], at: now });
  return { personId: membership.personId!, membership };
}
