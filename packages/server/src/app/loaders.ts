import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';

/**
 * Per-request batch loaders, each scoped to one account: a list page costs one query per relation,
 * whatever its size, and an id from another account simply loads nothing.
 */
export function createLoaders(dataSource: DataSource, accountId: string) {
  return {
    companyById: new DataLoader<string, CompanyEntity | null>(async (ids) => {
      const rows = await dataSource.getRepository(CompanyEntity).find({ where: { accountId, id: In([...ids]) } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),

    groupsByMembershipId: new DataLoader<string, GroupEntity[]>(async (membershipIds) => {
      const rows: Array<{ membership_id: string; id: string; name: string; description: string | null; external_id: string | null }> =
        await dataSource
          .createQueryBuilder()
          .select(['gm.membership_id AS membership_id', 'g.id AS id', 'g.name AS name', 'g.description AS description', 'g.external_id AS external_id'])
          .from(GroupMemberEntity, 'gm')
          .innerJoin(GroupEntity, 'g', 'g.id = gm.group_id')
          .where('gm.account_id = :accountId', { accountId })
          .andWhere('gm.membership_id IN (:...membershipIds)', { membershipIds: [...membershipIds] })
          .orderBy('g.name', 'ASC')
          .getRawMany();
      const byMembership = new Map<string, GroupEntity[]>();
      for (const row of rows) {
        const group = Object.assign(new GroupEntity(), { id: row.id, name: row.name, description: row.description, externalId: row.external_id, accountId });
        const list = byMembership.get(row.membership_id) ?? [];
        list.push(group);
        byMembership.set(row.membership_id, list);
      }
      return membershipIds.map((id) => byMembership.get(id) ?? []);
    }),

    companyUserCount: new DataLoader<string, number>((companyIds) => countBy(dataSource, 'memberships', 'company_id', accountId, companyIds)),
    groupUserCount: new DataLoader<string, number>((groupIds) => countBy(dataSource, 'group_members', 'group_id', accountId, groupIds)),
  };
}

async function countBy(dataSource: DataSource, table: string, column: string, accountId: string, keys: readonly string[]): Promise<number[]> {
  const rows: Array<{ k: string; n: number | string }> = await dataSource
    .createQueryBuilder()
    .select([`t.${column} AS k`, 'COUNT(*) AS n'])
    .from(table, 't')
    .where('t.account_id = :accountId', { accountId })
    .andWhere(`t.${column} IN (:...keys)`, { keys: [...keys] })
    .groupBy(`t.${column}`)
    .getRawMany();
  const counts = new Map(rows.map((row) => [row.k, Number(row.n)]));
  return keys.map((key) => counts.get(key) ?? 0);
}

export type Loaders = ReturnType<typeof createLoaders>;
