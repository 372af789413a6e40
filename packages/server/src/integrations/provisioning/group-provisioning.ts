import { In } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { recordAudit } from '../../audit/index.js';
import { newId } from '../../core/db/columns.js';
import { inTransaction } from '../../core/db/transaction.js';
import { GroupMemberEntity } from '../../groups/group-member.entity.js';
import { GroupEntity } from '../../groups/group.entity.js';
import { memberIdsForLiveEvent } from '../../groups/index.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType } from '../integration-kinds.js';
import { ProvisioningBase } from './provisioning-base.js';
import { ProvisionAction, ProvisioningError, type LinkedGroup, type UpstreamGroup } from './provisioning-model.js';

/** Groups from upstream: created or adopted by name, renamed, deleted, and their members changed. */
export class GroupProvisioning extends ProvisioningBase {
  async findLinkedGroup(integration: IntegrationEntity, by: { groupId?: string; externalId?: string }): Promise<LinkedGroup | null> {
    const link = await this.linkBy(integration, ExternalResourceType.GROUP, { localId: by.groupId, externalId: by.externalId });
    if (!link) return null;
    const group = await this.dataSource.getRepository(GroupEntity).findOneBy({ id: link.localId, accountId: integration.accountId });
    return group ? { group, link } : null;
  }

  /**
   * Creates or renames the group of an upstream group; a Roster group of the same name is adopted.
   * `mustBeNew` (SCIM POST) answers CONFLICT when the upstream group is already linked.
   */
  async upsertGroup(
    integration: IntegrationEntity,
    upstream: UpstreamGroup,
    options: { mustBeNew?: boolean } = {},
  ): Promise<{ groupId: string; action: ProvisionAction }> {
    const name = upstream.displayName.trim();
    if (!name || name.length > 200) throw new ProvisioningError('NAME_TAKEN', 'A group name has 1 to 200 characters.');
    const linked = upstream.externalId ? await this.findLinkedGroup(integration, { externalId: upstream.externalId }) : null;
    if (linked) {
      if (options.mustBeNew) return { groupId: linked.group.id, action: ProvisionAction.CONFLICT };
      return { groupId: linked.group.id, action: await this.renameLinkedGroup(integration, linked, name, upstream.attributes) };
    }
    const now = new Date();
    const byName = await this.dataSource.getRepository(GroupEntity).findOneBy({ accountId: integration.accountId, name });
    if (byName) {
      const existingLink = await this.linkBy(integration, ExternalResourceType.GROUP, { localId: byName.id });
      if (existingLink) {
        if (options.mustBeNew) return { groupId: byName.id, action: ProvisionAction.CONFLICT };
        await this.dataSource
          .getRepository(ExternalLinkEntity)
          .update({ id: existingLink.id }, { externalId: upstream.externalId, lastSeenAt: now });
        return { groupId: byName.id, action: ProvisionAction.UNCHANGED };
      }
      await inTransaction(this.dataSource, (manager) =>
        this.insertLink(manager, integration, ExternalResourceType.GROUP, upstream.externalId, byName.id, upstream, now),
      );
      return { groupId: byName.id, action: ProvisionAction.LINKED };
    }
    const group: GroupEntity = {
      id: newId(),
      accountId: integration.accountId,
      name,
      description: null,
      externalId: upstream.externalId,
      createdAt: now,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(GroupEntity, group);
      await this.insertLink(manager, integration, ExternalResourceType.GROUP, upstream.externalId, group.id, upstream, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'group.created', targetId: group.id, details: { name, integrationId: integration.id } },
      ]);
    });
    return { groupId: group.id, action: ProvisionAction.CREATED };
  }

  /** Renames a linked group and/or changes its upstream id and attributes (SCIM PUT/PATCH). */
  async updateGroup(
    integration: IntegrationEntity,
    groupId: string,
    changes: { displayName?: string; externalId?: string | null; attributes?: Record<string, unknown> | null },
  ): Promise<ProvisionAction> {
    const linked = await this.findLinkedGroup(integration, { groupId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `Group ${groupId} was not found.`);
    if (changes.externalId !== undefined && changes.externalId !== linked.link.externalId) {
      await this.dataSource.getRepository(ExternalLinkEntity).update({ id: linked.link.id }, { externalId: changes.externalId });
    }
    const name = changes.displayName?.trim() ?? linked.group.name;
    return this.renameLinkedGroup(integration, linked, name, changes.attributes);
  }

  private async renameLinkedGroup(
    integration: IntegrationEntity,
    linked: LinkedGroup,
    name: string,
    attributes: Record<string, unknown> | null | undefined,
  ): Promise<ProvisionAction> {
    const now = new Date();
    const links = this.dataSource.getRepository(ExternalLinkEntity);
    const attributeJson = attributes === undefined ? linked.link.attributes : attributes ? JSON.stringify(attributes) : null;
    if (name === linked.group.name) {
      await links.update({ id: linked.link.id }, { lastSeenAt: now, attributes: attributeJson });
      return ProvisionAction.UNCHANGED;
    }
    if (!name || name.length > 200) throw new ProvisioningError('NAME_TAKEN', 'A group name has 1 to 200 characters.');
    if (await this.dataSource.getRepository(GroupEntity).existsBy({ accountId: integration.accountId, name })) {
      throw new ProvisioningError('NAME_TAKEN', `Another group of this account is already called "${name}".`);
    }
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(GroupEntity, { id: linked.group.id }, { name, updatedAt: now });
      await manager.update(ExternalLinkEntity, { id: linked.link.id }, { lastSeenAt: now, attributes: attributeJson });
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'group.renamed', targetId: linked.group.id, details: { from: linked.group.name, to: name } },
      ]);
    });
    return ProvisionAction.UPDATED;
  }

  /** Deletes a group this integration brought in (its users stay). */
  async deleteGroup(integration: IntegrationEntity, groupId: string): Promise<void> {
    const linked = await this.findLinkedGroup(integration, { groupId });
    if (!linked) throw new ProvisioningError('NOT_FOUND', `Group ${groupId} was not found.`);
    const members = await memberIdsForLiveEvent(this.dataSource, integration.accountId, groupId);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(GroupMemberEntity, { groupId });
      await manager.delete(ExternalLinkEntity, { id: linked.link.id });
      await manager.delete(GroupEntity, { id: groupId, accountId: integration.accountId });
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'group.deleted', targetId: groupId, details: { name: linked.group.name } },
      ]);
    });
    if (members.length) this.publish(integration.accountId, 'user.changed', members);
  }

  async memberIdsOf(groupId: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(GroupMemberEntity).find({ where: { groupId }, select: { membershipId: true } });
    return rows.map((r) => r.membershipId);
  }

  /**
   * Changes a group's members. Ids must be users of the integration's account (others are reported back as
   * unknown and nothing is done for them). `replace` makes the members exactly `add`.
   */
  async changeGroupMembers(
    integration: IntegrationEntity,
    groupId: string,
    change: { add?: string[]; remove?: string[]; replace?: boolean },
  ): Promise<{ added: string[]; removed: string[]; unknown: string[] }> {
    const wanted = [...new Set([...(change.add ?? []), ...(change.remove ?? [])])];
    const known = new Set(
      wanted.length
        ? (
            await this.dataSource
              .getRepository(MembershipEntity)
              .find({ where: { id: In(wanted), accountId: integration.accountId }, select: { id: true } })
          ).map((m) => m.id)
        : [],
    );
    const unknown = wanted.filter((id) => !known.has(id));
    const current = new Set(await this.memberIdsOf(groupId));
    const add = [...new Set(change.add ?? [])].filter((id) => known.has(id) && !current.has(id));
    const remove = change.replace
      ? [...current].filter((id) => !(change.add ?? []).includes(id))
      : [...new Set(change.remove ?? [])].filter((id) => current.has(id));
    if (add.length === 0 && remove.length === 0) return { added: [], removed: [], unknown };
    await inTransaction(this.dataSource, async (manager) => {
      // A member change is a change of the group (SCIM's meta.lastModified).
      await manager.update(GroupEntity, { id: groupId }, { updatedAt: new Date() });
      if (remove.length) await manager.delete(GroupMemberEntity, { groupId, membershipId: In(remove) });
      if (add.length)
        await manager.insert(
          GroupMemberEntity,
          add.map((membershipId) => ({ groupId, membershipId, accountId: integration.accountId })),
        );
      const actor = this.actorOf(integration);
      await recordAudit(manager, integration.accountId, actor, [
        ...add.map((id) => ({ action: 'group.member_added', targetId: id, details: { groupId } })),
        ...remove.map((id) => ({ action: 'group.member_removed', targetId: id, details: { groupId } })),
      ]);
    });
    this.publish(integration.accountId, 'user.changed', [...add, ...remove]);
    return { added: add, removed: remove, unknown };
  }
}
