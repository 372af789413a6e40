import { In, type EntityManager } from 'typeorm';
import { recordAudit, type Actor } from '../audit/index.js';
import { InvitationEntity } from '../invitations/invitation.entity.js';
import { MembershipEntity } from './membership.entity.js';
import { isSuspendable, UserStatus } from './roles.js';
import { claimSeats, seatRefusal, takesSeat } from './seats.js';

/**
 * Suspends users inside the caller's transaction (never deletes them: their history stays). Owners and
 * users already suspended are left alone. Returns the ids actually suspended; the caller publishes
 * `user.suspended` after commit.
 */
export async function suspendMemberships(
  manager: EntityManager,
  accountId: string,
  actor: Actor,
  userIds: string[],
  now: Date,
  details: Record<string, unknown> = {},
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const candidates = await manager.getRepository(MembershipEntity).find({
    where: { id: In(userIds), accountId },
    select: { id: true, email: true, role: true, status: true },
  });
  const toSuspend = candidates.filter((m) => isSuspendable(m.role) && m.status !== UserStatus.SUSPENDED);
  if (toSuspend.length === 0) return [];
  const ids = toSuspend.map((m) => m.id);
  await manager.update(MembershipEntity, { id: In(ids) }, { status: UserStatus.SUSPENDED, updatedAt: now });
  await recordAudit(
    manager,
    accountId,
    actor,
    toSuspend.map((m) => ({
      action: 'user.suspended',
      targetId: m.id,
      targetEmail: m.email,
      details: { ...details, previousStatus: m.status },
    })),
  );
  return ids;
}

/**
 * Brings suspended users back to where they were: ACTIVE when they had accepted, else INVITED (or STAGED when
 * never invited). Returns the ids restored; the caller publishes `user.restored` after commit. An active or invited
 * user takes a seat again: those past the account's seat limit stay suspended, and `pastSeatLimit` (when given)
 * receives their ids with the SEAT_LIMIT_REACHED message.
 */
export async function restoreMemberships(
  manager: EntityManager,
  accountId: string,
  actor: Actor,
  userIds: string[],
  now: Date,
  details: Record<string, unknown> = {},
  pastSeatLimit?: Map<string, string>,
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const memberships = await manager.getRepository(MembershipEntity).findBy({ id: In(userIds), accountId, status: UserStatus.SUSPENDED });
  const targets = new Map<MembershipEntity, UserStatus>();
  for (const membership of memberships) {
    let status = UserStatus.ACTIVE;
    if (!membership.personId) {
      const everInvited = await manager.getRepository(InvitationEntity).existsBy({ membershipId: membership.id });
      status = everInvited ? UserStatus.INVITED : UserStatus.STAGED;
    }
    targets.set(membership, status);
  }
  const seated = [...targets].filter(([, status]) => takesSeat(status)).map(([membership]) => membership);
  const claim = await claimSeats(manager, accountId, seated.length);
  for (const membership of seated.slice(claim.granted)) {
    targets.delete(membership);
    pastSeatLimit?.set(membership.id, seatRefusal(claim));
  }
  const restored: string[] = [];
  for (const [membership, status] of targets) {
    const done = await manager.update(MembershipEntity, { id: membership.id, status: UserStatus.SUSPENDED }, { status, updatedAt: now });
    if (!done.affected) continue;
    restored.push(membership.id);
    await recordAudit(manager, accountId, actor, [
      { action: 'user.restored', targetId: membership.id, targetEmail: membership.email, details: { ...details, status } },
    ]);
  }
  return restored;
}
