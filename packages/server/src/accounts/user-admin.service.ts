import { In, type DataSource } from 'typeorm';
import { badInput, ErrorCode, UserAdminCode } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { inTransaction } from '../core/db/transaction.js';
import type { UserActionOutcome } from '../invitations/index.js';
import { InvitationEntity, InvitationState } from '../invitations/invitation.entity.js';
import type { EventBus } from '../core/events.js';
import { MembershipEntity } from './membership.entity.js';
import { refusalMessage, refusalToActOn, refusalToGrant, roleName } from './role-grants.js';
import { isSuspendable, Role, UserStatus } from './roles.js';
import { restoreMemberships, suspendMemberships } from './user-lifecycle.js';

const MAX_USERS_PER_ACTION = 500;

/** What administrators do to existing users: change their role, suspend and restore them. Per-user results. */
export class UserAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  /**
   * Gives the selected users a role. Only an owner makes or unmakes owners, and the account always keeps at
   * least one active owner: the owners are read under a row lock (MySQL; SQLite serialises transactions), so
   * two admins demoting the last two owners at once cannot both succeed.
   */
  async changeRole(viewer: Viewer, userIds: string[], role: Role): Promise<UserActionOutcome[]> {
    const ids = checkSelection(userIds);
    const changed: string[] = [];
    const results = await inTransaction(this.dataSource, async (manager) => {
      changed.length = 0;
      const repo = manager.getRepository(MembershipEntity);
      const selected = new Map((await repo.findBy({ accountId: viewer.accountId, id: In(ids) })).map((m) => [m.id, m]));
      const owners = await repo.find({
        where: { accountId: viewer.accountId, role: Role.OWNER },
        select: { id: true, status: true },
        ...(['mysql', 'mariadb'].includes(manager.connection.options.type) ? { lock: { mode: 'pessimistic_write' as const } } : {}),
      });
      let activeOwners = owners.filter((o) => o.status === UserStatus.ACTIVE).length;
      const outcomes: UserActionOutcome[] = [];
      const audit = [];
      for (const userId of ids) {
        const user = selected.get(userId);
        if (!user) {
          outcomes.push(refusal(userId, null, 'NOT_FOUND', 'User was not found.'));
          continue;
        }
        if (user.role === role) {
          outcomes.push({
            userId,
            email: user.email,
            ok: true,
            code: null,
            message: `${user.email} is already ${roleName(role)}.`,
            inviteLink: null,
          });
          continue;
        }
        const notGrantable = refusalToGrant(viewer.role, role);
        const aboveViewer = refusalToActOn(viewer.role, user.role);
        if (notGrantable || aboveViewer) {
          const message = notGrantable
            ? refusalMessage(notGrantable, `make someone ${roleName(role)}`)
            : refusalMessage(aboveViewer!, `change the role of ${roleName(user.role)}`);
          outcomes.push(refusal(userId, user.email, (notGrantable ?? aboveViewer)!.code, message));
          continue;
        }
        if (user.role === Role.OWNER && user.status === UserStatus.ACTIVE) {
          if (activeOwners <= 1) {
            outcomes.push(
              refusal(
                userId,
                user.email,
                UserAdminCode.LAST_OWNER,
                `${user.email} is the last owner of this account; make someone else an owner first.`,
              ),
            );
            continue;
          }
          activeOwners--;
        }
        if (role === Role.OWNER && user.status === UserStatus.ACTIVE) activeOwners++;
        changed.push(userId);
        audit.push({ action: 'user.role_changed', targetId: userId, targetEmail: user.email, details: { from: user.role, to: role } });
        outcomes.push({
          userId,
          email: user.email,
          ok: true,
          code: null,
          message: `${user.email} is now ${roleName(role)}.`,
          inviteLink: null,
        });
      }
      if (changed.length) {
        const now = new Date();
        await repo.update({ accountId: viewer.accountId, id: In(changed) }, { role, updatedAt: now });
        // A pending invitation applies its role on acceptance: it must carry the new one.
        await manager.update(
          InvitationEntity,
          { accountId: viewer.accountId, membershipId: In(changed), state: InvitationState.PENDING },
          { role },
        );
        await recordAudit(manager, viewer.accountId, actorOf(viewer), audit);
      }
      return outcomes;
    });
    if (changed.length) this.events.publish({ accountId: viewer.accountId, type: 'user.changed', userIds: [...changed], at: new Date() });
    return results;
  }

  /** Suspends the selected users (they can no longer sign in; nothing is deleted). Never oneself, never an owner. */
  async suspend(viewer: Viewer, userIds: string[]): Promise<UserActionOutcome[]> {
    const ids = checkSelection(userIds);
    const selected = await this.membershipsOf(viewer.accountId, ids);
    const outcomes = new Map<string, UserActionOutcome>();
    const eligible: string[] = [];
    for (const userId of ids) {
      const user = selected.get(userId);
      if (!user) outcomes.set(userId, refusal(userId, null, 'NOT_FOUND', 'User was not found.'));
      else if (user.id === viewer.membershipId)
        outcomes.set(userId, refusal(userId, user.email, UserAdminCode.CANNOT_SUSPEND_SELF, 'You cannot suspend yourself.'));
      else if (!isSuspendable(user.role))
        outcomes.set(
          userId,
          refusal(
            userId,
            user.email,
            UserAdminCode.OWNER_NOT_SUSPENDABLE,
            `${user.email} is an owner; change their role before suspending them.`,
          ),
        );
      else if (user.status === UserStatus.SUSPENDED)
        outcomes.set(userId, refusal(userId, user.email, UserAdminCode.ALREADY_SUSPENDED, `${user.email} is already suspended.`));
      else eligible.push(userId);
    }
    const suspended = new Set(
      await inTransaction(this.dataSource, (manager) =>
        suspendMemberships(manager, viewer.accountId, actorOf(viewer), eligible, new Date(), { by: 'admin' }),
      ),
    );
    for (const userId of eligible) {
      const email = selected.get(userId)!.email;
      outcomes.set(
        userId,
        suspended.has(userId)
          ? { userId, email, ok: true, code: null, message: `${email} is suspended and can no longer sign in.`, inviteLink: null }
          : refusal(userId, email, UserAdminCode.ALREADY_SUSPENDED, `${email} was suspended or changed a moment ago.`),
      );
    }
    if (suspended.size)
      this.events.publish({ accountId: viewer.accountId, type: 'user.suspended', userIds: [...suspended], at: new Date() });
    return ids.map((id) => outcomes.get(id)!);
  }

  /** Restores suspended users to where they were (active, invited or staged). */
  async restore(viewer: Viewer, userIds: string[]): Promise<UserActionOutcome[]> {
    const ids = checkSelection(userIds);
    const selected = await this.membershipsOf(viewer.accountId, ids);
    // Restoring gives back the user's role: only someone who may grant it restores them.
    const aboveViewer = new Map(ids.map((id) => [id, selected.has(id) ? refusalToActOn(viewer.role, selected.get(id)!.role) : null]));
    const candidates = ids.filter((id) => selected.get(id)?.status === UserStatus.SUSPENDED && !aboveViewer.get(id));
    const pastSeatLimit = new Map<string, string>();
    const restored = new Set(
      await inTransaction(this.dataSource, (manager) => {
        pastSeatLimit.clear();
        return restoreMemberships(manager, viewer.accountId, actorOf(viewer), candidates, new Date(), { by: 'admin' }, pastSeatLimit);
      }),
    );
    if (restored.size) this.events.publish({ accountId: viewer.accountId, type: 'user.restored', userIds: [...restored], at: new Date() });
    return ids.map((userId) => {
      const user = selected.get(userId);
      if (!user) return refusal(userId, null, 'NOT_FOUND', 'User was not found.');
      const refused = aboveViewer.get(userId);
      if (refused) return refusal(userId, user.email, refused.code, refusalMessage(refused, `restore ${roleName(user.role)}`));
      const seats = pastSeatLimit.get(userId);
      if (seats) return refusal(userId, user.email, ErrorCode.SEAT_LIMIT_REACHED, `${user.email} stays suspended: ${seats}`);
      if (!restored.has(userId)) return refusal(userId, user.email, UserAdminCode.NOT_SUSPENDED, `${user.email} is not suspended.`);
      return { userId, email: user.email, ok: true, code: null, message: `${user.email} is restored.`, inviteLink: null };
    });
  }

  private async membershipsOf(accountId: string, ids: string[]): Promise<Map<string, MembershipEntity>> {
    const rows = await this.dataSource.getRepository(MembershipEntity).findBy({ accountId, id: In(ids) });
    return new Map(rows.map((row) => [row.id, row]));
  }
}

function checkSelection(userIds: string[]): string[] {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) throw badInput('input.userIds', 'Select at least one user.');
  if (ids.length > MAX_USERS_PER_ACTION) throw badInput('input.userIds', `Select at most ${MAX_USERS_PER_ACTION} users at a time.`);
  return ids;
}

function refusal(userId: string, email: string | null, code: string, message: string): UserActionOutcome {
  return { userId, email, ok: false, code, message, inviteLink: null };
}
