import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Loaders } from '../core/context.js';
import type { Company } from '../companies/company.types.js';
import { companiesById } from '../accounts/user-relations.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { fromSqlDateTime } from '../core/db/columns.js';
import { countEachUpTo } from '../core/lists/capped-count.js';
import { InvitationEntity, InvitationState } from '../invitations/invitation.entity.js';
import type { InvitationInfo } from '../invitations/invitation.types.js';
import { loadAuditActors } from '../audit/audit-log.service.js';
import type { AuditActor } from '../audit/audit-log.types.js';
import { lastDeliveriesOf, type DeliveryInfo } from '../webhooks/webhook.service.js';

/**
 * The per-request loaders the features declare (core/context.ts `Loaders`), each scoped to one account: a list page costs one query per relation,
 * whatever its size, and an id from another account simply loads nothing.
 */
export function createLoaders(dataSource: DataSource, accountId: string): Loaders {
  return {
    companyById: new DataLoader<string, Company | null>(async (ids) => {
      const byId = await companiesById(dataSource, accountId, ids);
      return ids.map((id) => byId.get(id) ?? null);
    }),

    pendingInvitationByMembershipId: new DataLoader<string, InvitationInfo | null>(async (membershipIds) => {
      const rows: Array<Record<string, any>> = await dataSource
        .createQueryBuilder()
        .select([
          'i.id AS id',
          'i.membership_id AS membership_id',
          'i.expires_at AS expires_at',
          'i.created_at AS created_at',
          'i.delivery_status AS delivery_status',
          'i.delivery_error AS delivery_error',
          'i.role AS role',
          'p.name AS inviter_name',
          'p.email AS inviter_email',
        ])
        .from(InvitationEntity, 'i')
        .leftJoin(PersonEntity, 'p', 'p.id = i.invited_by_person_id')
        .where('i.account_id = :accountId', { accountId })
        .andWhere('i.membership_id IN (:...membershipIds)', { membershipIds: [...membershipIds] })
        .andWhere('i.state = :pending', { pending: InvitationState.PENDING })
        .getRawMany();
      const totals: Array<Record<string, any>> = await dataSource
        .createQueryBuilder()
        .select(['i.membership_id AS membership_id', 'SUM(i.send_count) AS sent', 'MAX(i.last_sent_at) AS last_sent_at'])
        .from(InvitationEntity, 'i')
        .where('i.account_id = :accountId', { accountId })
        .andWhere('i.membership_id IN (:...membershipIds)', { membershipIds: [...membershipIds] })
        .groupBy('i.membership_id')
        .getRawMany();
      const totalsBy = new Map(totals.map((t) => [t.membership_id as string, t]));
      const now = Date.now();
      const byMembership = new Map<string, InvitationInfo>();
      for (const row of rows) {
        const total = totalsBy.get(row.membership_id);
        const expiresAt = fromSqlDateTime(row.expires_at);
        byMembership.set(row.membership_id, {
          id: row.id,
          expiresAt,
          expired: expiresAt.getTime() <= now,
          createdAt: fromSqlDateTime(row.created_at),
          invitedBy: row.inviter_name ?? row.inviter_email ?? null,
          deliveryStatus: row.delivery_status,
          deliveryError: row.delivery_error,
          lastSentAt: total?.last_sent_at ? fromSqlDateTime(total.last_sent_at) : null,
          emailsSent: Number(total?.sent ?? 0),
          role: row.role,
        });
      }
      return membershipIds.map((id) => byMembership.get(id) ?? null);
    }),

    /** A company's users and a group's members, each counted up to ROW_COUNT_CAP through its index: one statement per page. */
    companyUserCount: new DataLoader<string, number>((companyIds) =>
      countEachUpTo(dataSource, companyIds, (companyId) => ({
        from: 'memberships t',
        where: ['t.account_id = ?', 't.company_id = ?'],
        params: [accountId, companyId],
      })),
    ),
    groupUserCount: new DataLoader<string, number>((groupIds) =>
      countEachUpTo(dataSource, groupIds, (groupId) => ({
        from: 'group_members t',
        where: ['t.account_id = ?', 't.group_id = ?'],
        params: [accountId, groupId],
      })),
    ),
    /** Keyed `TYPE:id` (see actorKey): who made an audited change. */
    auditActor: new DataLoader<string, AuditActor>((keys) => loadAuditActors(dataSource, accountId, keys)),
    /** Keyed by endpoint id: its newest delivery, for the Webhooks list's "Last delivery" column. */
    lastWebhookDelivery: new DataLoader<string, DeliveryInfo | null>((endpointIds) => lastDeliveriesOf(dataSource, accountId, endpointIds)),
  };
}
