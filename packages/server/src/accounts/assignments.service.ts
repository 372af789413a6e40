import { DataSource, In, type EntityManager } from 'typeorm';
import { badInput, notFound } from '../core/errors.js';
import { recordAudit } from '../audit/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { inTransaction } from '../core/db/transaction.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import type { EventBus } from '../core/events.js';
import { MembershipEntity } from './membership.entity.js';

const MAX_USERS = 500;

/** Puts users into a company or groups and takes them out; every user must belong to the viewer's account. */
export class AssignmentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
  ) {}

  async setCompany(viewer: Viewer, userIds: string[], companyId: string | null): Promise<string[]> {
    const ids = await this.ownUsers(viewer, userIds);
    if (companyId && !(await this.dataSource.getRepository(CompanyEntity).existsBy({ id: companyId, accountId: viewer.accountId }))) {
      throw notFound('Company', 'input.companyId');
    }
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(MembershipEntity, { id: In(ids), accountId: viewer.accountId }, { companyId, updatedAt: new Date() });
      await recordAudit(
        manager,
        viewer.accountId,
        actorOf(viewer),
        ids.map((id) => ({ action: 'user.company_changed', targetId: id, details: { companyId } })),
      );
    });
    this.changed(viewer.accountId, ids);
    return ids;
  }

  async addToGroup(viewer: Viewer, groupId: string, userIds: string[]): Promise<string[]> {
    const ids = await this.ownUsers(viewer, userIds);
    await this.ownGroup(viewer, groupId);
    await inTransaction(this.dataSource, async (manager) => {
      const already = new Set(
        (await manager.getRepository(GroupMemberEntity).findBy({ groupId, membershipId: In(ids) })).map((m) => m.membershipId),
      );
      const fresh = ids.filter((id) => !already.has(id));
      if (fresh.length) {
        await manager.insert(
          GroupMemberEntity,
          fresh.map((membershipId) => ({ groupId, membershipId, accountId: viewer.accountId })),
        );
        await touchGroup(manager, groupId);
      }
      await recordAudit(
        manager,
        viewer.accountId,
        actorOf(viewer),
        fresh.map((id) => ({ action: 'group.member_added', targetId: id, details: { groupId } })),
      );
    });
    this.changed(viewer.accountId, ids);
    return ids;
  }

  async removeFromGroup(viewer: Viewer, groupId: string, userIds: string[]): Promise<string[]> {
    const ids = await this.ownUsers(viewer, userIds);
    await this.ownGroup(viewer, groupId);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(GroupMemberEntity, { groupId, membershipId: In(ids), accountId: viewer.accountId });
      await touchGroup(manager, groupId);
      await recordAudit(
        manager,
        viewer.accountId,
        actorOf(viewer),
        ids.map((id) => ({ action: 'group.member_removed', targetId: id, details: { groupId } })),
      );
    });
    this.changed(viewer.accountId, ids);
    return ids;
  }

  /** Every id must be a user of the account: one foreign id refuses the whole request, naming it. */
  private async ownUsers(viewer: Viewer, userIds: string[]): Promise<string[]> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) throw badInput('input.userIds', 'Select at least one user.');
    if (ids.length > MAX_USERS) throw badInput('input.userIds', `Select at most ${MAX_USERS} users at a time.`);
    const found = new Set(
      (
        await this.dataSource
          .getRepository(MembershipEntity)
          .find({ where: { id: In(ids), accountId: viewer.accountId }, select: { id: true } })
      ).map((m) => m.id),
    );
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw notFound(`User ${missing[0]}`, 'input.userIds');
    return ids;
  }

  private async ownGroup(viewer: Viewer, groupId: string): Promise<void> {
    if (!(await this.dataSource.getRepository(GroupEntity).existsBy({ id: groupId, accountId: viewer.accountId })))
      throw notFound('Group', 'input.groupId');
  }

  private changed(accountId: string, userIds: string[]): void {
    this.events.publish({ accountId, type: 'user.changed', userIds, at: new Date() });
  }
}

/** A group's members changed: SCIM clients read it from `meta.lastModified`. */
function touchGroup(manager: EntityManager, groupId: string): Promise<unknown> {
  return manager.update(GroupEntity, { id: groupId }, { updatedAt: new Date() });
}
