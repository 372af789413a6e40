import type { EntityManager } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { recordAudit } from '../../audit/index.js';
import type { Viewer } from '../../core/viewer.js';
import { SessionEntity } from '../session.entity.js';

/** Why a person's other sessions ended, as `session.signed_out_everywhere` entries say (details.reason). */
export type SessionsEndedReason = 'SIGN_OUT_EVERYWHERE' | 'PASSWORD_CHANGED' | 'MFA_CHANGED';

/**
 * Ends every live session of a person except `keepSessionId` (null: every one), inside the caller's transaction, and
 * answers how many ended. Rows stay (ended_at set), so a replayed cookie says "signed out"; the sockets of those sessions
 * close at their next check (`lookup` refuses them). The one writer of "end these sessions": signing out everywhere,
 * a password change, MFA changes and an administrator's MFA reset all call it.
 */
export async function endSessionsOf(manager: EntityManager, personId: string, keepSessionId: string | null, now: Date): Promise<number> {
  const query = manager
    .createQueryBuilder()
    .update(SessionEntity)
    .set({ endedAt: now })
    .where('person_id = :personId AND ended_at IS NULL', { personId });
  if (keepSessionId) query.andWhere('id <> :keepSessionId', { keepSessionId });
  const result = await query.execute();
  return result.affected ?? 0;
}

/**
 * Ends the viewer's other sessions (the current one stays signed in) after a change to how they sign in, or when they
 * ask for it, and audits it in their current account (always when they asked; otherwise only when some session ended).
 */
export async function endOtherSessions(manager: EntityManager, viewer: Viewer, reason: SessionsEndedReason, now: Date): Promise<number> {
  const ended = await endSessionsOf(manager, viewer.personId, viewer.sessionId, now);
  if (ended > 0 || reason === 'SIGN_OUT_EVERYWHERE')
    await auditOwnSessions(manager, viewer, [{ action: 'session.signed_out_everywhere', details: { reason, sessionsEnded: ended } }]);
  return ended;
}

/** Records entries about the viewer's own sessions in their current account, naming their membership as the target. */
export async function auditOwnSessions(
  manager: EntityManager,
  viewer: Viewer,
  entries: Array<{ action: string; details: Record<string, unknown> }>,
): Promise<void> {
  const membership = await manager.findOne(MembershipEntity, { where: { id: viewer.membershipId }, select: { id: true, email: true } });
  await recordAudit(
    manager,
    viewer.accountId,
    { type: 'PERSON', id: viewer.personId },
    entries.map((entry) => ({ ...entry, targetId: viewer.membershipId, targetEmail: membership?.email ?? null })),
  );
}
