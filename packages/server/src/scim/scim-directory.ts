import { In, type DataSource } from 'typeorm';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { ExternalLinkEntity } from '../integrations/external-link.entity.js';
import type { IntegrationEntity } from '../integrations/integration.entity.js';
import { ExternalResourceType } from '../integrations/index.js';
import { normalizeEmail } from '../core/db/columns.js';
import { meetsCriteria, type ScimCriterion } from './scim-filter.js';
import { toScimUser, type UserRow } from './scim-user.mapper.js';

export interface Page {
  /** 1-based, as SCIM counts. */
  startIndex: number;
  count: number;
}

export interface GroupRow {
  group: GroupEntity;
  link: ExternalLinkEntity;
  memberIds: string[];
}

/**
 * Reads what a SCIM client sees: the users and groups its integration provisioned (linked), in a stable order
 * (link creation, then id). A user the client deleted is unlinked, so it leaves this view but stays in Roster.
 */
export class ScimDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async listUsers(
    integration: IntegrationEntity,
    criteria: ScimCriterion[],
    page: Page,
    baseUrl: string,
  ): Promise<{ total: number; rows: UserRow[] }> {
    const query = this.links(integration, ExternalResourceType.USER);
    if (criteria.length === 0) {
      const total = await query.clone().getCount();
      const links =
        page.count === 0
          ? []
          : await query
              .offset(page.startIndex - 1)
              .limit(page.count)
              .getMany();
      return { total, rows: await this.withMemberships(integration, links) };
    }
    // Narrow in SQL by the most selective criterion, then check every criterion exactly on the SCIM view.
    const byAttribute = (name: string) => criteria.find((c) => c.attribute === name && c.value !== null && typeof c.value !== 'object');
    const id = byAttribute('id');
    const externalId = byAttribute('externalid');
    const userName = byAttribute('username');
    const email = byAttribute('emails.value');
    const displayName = byAttribute('displayname');
    if (id) query.andWhere('link.local_id = :id', { id: String(id.value) });
    else if (externalId) {
      // Indexed, plus the rare resources that claimed an externalId another one holds (kept unindexed).
      query.andWhere(`(link.external_id = :externalId OR (link.external_id IS NULL AND link.attributes LIKE :pattern ESCAPE '!'))`, {
        externalId: String(externalId.value),
        pattern: likePattern(String(externalId.value)),
      });
    } else if (userName) {
      // Stored attributes start with userName (storedAttributes), so this compares a prefix, not the whole text.
      query.andWhere(`link.attributes LIKE :prefix ESCAPE '!'`, {
        prefix: `${escapeLike(`{"userName":${JSON.stringify(String(userName.value))}`)}%`,
      });
    } else if (email) {
      query.andWhere(
        `(link.local_id IN (SELECT m.id FROM memberships m WHERE m.account_id = :accountId AND m.email = :email) OR link.attributes LIKE :pattern ESCAPE '!')`,
        {
          accountId: integration.accountId,
          email: normalizeEmail(String(email.value)),
          pattern: likePattern(String(email.value)),
        },
      );
    } else if (displayName) query.andWhere(`link.attributes LIKE :pattern ESCAPE '!'`, { pattern: likePattern(String(displayName.value)) });
    const candidates = await this.withMemberships(integration, await query.getMany());
    const matching = candidates.filter((row) => meetsCriteria(toScimUser(row, baseUrl), criteria));
    return { total: matching.length, rows: matching.slice(page.startIndex - 1, page.startIndex - 1 + page.count) };
  }

  async listGroups(
    integration: IntegrationEntity,
    criteria: ScimCriterion[],
    page: Page,
    withMembers: boolean,
  ): Promise<{ total: number; rows: GroupRow[] }> {
    const query = this.links(integration, ExternalResourceType.GROUP);
    for (const criterion of criteria) {
      const value = String(criterion.value);
      if (criterion.attribute === 'id') query.andWhere('link.local_id = :id', { id: value });
      if (criterion.attribute === 'externalid') {
        query.andWhere(`(link.external_id = :externalId OR (link.external_id IS NULL AND link.attributes LIKE :pattern ESCAPE '!'))`, {
          externalId: value,
          pattern: likePattern(`"externalId":${JSON.stringify(value)}`, false),
        });
      }
      // displayName is case-insensitive in SCIM; MariaDB's collation already is, SQLite's is not.
      if (criterion.attribute === 'displayname') {
        query.andWhere(
          'link.local_id IN (SELECT g.id FROM user_groups g WHERE g.account_id = :accountId AND LOWER(g.name) = LOWER(:name))',
          { accountId: integration.accountId, name: value.trim() },
        );
      }
    }
    const total = await query.clone().getCount();
    const links =
      page.count === 0
        ? []
        : await query
            .offset(page.startIndex - 1)
            .limit(page.count)
            .getMany();
    return { total, rows: await this.withGroups(integration, links, withMembers) };
  }

  async group(integration: IntegrationEntity, groupId: string, withMembers: boolean): Promise<GroupRow | null> {
    const link = await this.dataSource
      .getRepository(ExternalLinkEntity)
      .findOneBy({ integrationId: integration.id, resourceType: ExternalResourceType.GROUP, localId: groupId });
    if (!link) return null;
    const [row] = await this.withGroups(integration, [link], withMembers);
    return row ?? null;
  }

  /**
   * The externalId to index on this resource's link: the client's, unless another resource of the integration
   * already holds it. RFC 7643 does not make externalId unique, so a second resource claiming one is still
   * accepted; its externalId is kept in its attributes (returned and filterable) but not indexed.
   */
  async indexableExternalId(
    integration: IntegrationEntity,
    type: ExternalResourceType,
    externalId: string | null,
    ownId: string | null,
  ): Promise<string | null> {
    if (!externalId) return null;
    const holder = await this.dataSource
      .getRepository(ExternalLinkEntity)
      .findOne({ where: { integrationId: integration.id, resourceType: type, externalId }, select: { localId: true } });
    return !holder || holder.localId === ownId ? externalId : null;
  }

  /** Display names of users by id (for group members), one query. */
  async memberDisplays(accountId: string, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId, id: In(ids) }, select: { id: true, name: true, email: true } });
    return new Map(rows.map((m) => [m.id, m.name ?? m.email]));
  }

  private links(integration: IntegrationEntity, type: ExternalResourceType) {
    return this.dataSource
      .getRepository(ExternalLinkEntity)
      .createQueryBuilder('link')
      .where('link.integration_id = :integrationId AND link.resource_type = :type', { integrationId: integration.id, type })
      .orderBy('link.created_at', 'ASC')
      .addOrderBy('link.id', 'ASC');
  }

  private async withMemberships(integration: IntegrationEntity, links: ExternalLinkEntity[]): Promise<UserRow[]> {
    if (links.length === 0) return [];
    const memberships = await this.dataSource
      .getRepository(MembershipEntity)
      .findBy({ accountId: integration.accountId, id: In(links.map((l) => l.localId)) });
    const byId = new Map(memberships.map((m) => [m.id, m]));
    return links.flatMap((link) => {
      const membership = byId.get(link.localId);
      return membership ? [{ membership, link }] : [];
    });
  }

  private async withGroups(integration: IntegrationEntity, links: ExternalLinkEntity[], withMembers: boolean): Promise<GroupRow[]> {
    if (links.length === 0) return [];
    const ids = links.map((l) => l.localId);
    const groups = await this.dataSource.getRepository(GroupEntity).findBy({ accountId: integration.accountId, id: In(ids) });
    const members = withMembers
      ? await this.dataSource.getRepository(GroupMemberEntity).find({
          where: { accountId: integration.accountId, groupId: In(ids) },
          select: { groupId: true, membershipId: true },
          order: { membershipId: 'ASC' },
        })
      : [];
    const byId = new Map(groups.map((g) => [g.id, g]));
    return links.flatMap((link) => {
      const group = byId.get(link.localId);
      return group ? [{ group, link, memberIds: members.filter((m) => m.groupId === group.id).map((m) => m.membershipId) }] : [];
    });
  }
}

/** A LIKE pattern finding a JSON string value anywhere in the stored attributes (wildcards escaped with `!`, which means the same on both dialects). */
function likePattern(value: string, quote = true): string {
  return `%${escapeLike(quote ? JSON.stringify(value) : value)}%`;
}

const escapeLike = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`);
