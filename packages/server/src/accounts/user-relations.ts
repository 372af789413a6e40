import type { DataSource } from 'typeorm';
import type { Company } from '../companies/company.types.js';
import type { Group } from '../groups/group.types.js';

const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** Companies of one account by id, in one query. */
export async function companiesById(dataSource: DataSource, accountId: string, ids: readonly string[]): Promise<Map<string, Company>> {
  if (ids.length === 0) return new Map();
  const rows: Company[] = await dataSource.query(`SELECT id, name FROM companies WHERE account_id = ? AND id IN (${placeholders(ids)})`, [
    accountId,
    ...ids,
  ]);
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name }]));
}

/** Groups of each user (membership) of one account, by name, in one query. */
export async function groupsByMembershipId(
  dataSource: DataSource,
  accountId: string,
  membershipIds: readonly string[],
): Promise<Map<string, Group[]>> {
  const byMembership = new Map<string, Group[]>();
  if (membershipIds.length === 0) return byMembership;
  const rows: Array<Group & { membership_id: string }> = await dataSource.query(
    'SELECT gm.membership_id AS membership_id, g.id AS id, g.name AS name, g.description AS description ' +
      'FROM group_members gm INNER JOIN user_groups g ON g.id = gm.group_id ' +
      `WHERE gm.account_id = ? AND gm.membership_id IN (${placeholders(membershipIds)}) ORDER BY g.name`,
    [accountId, ...membershipIds],
  );
  for (const row of rows) {
    const list = byMembership.get(row.membership_id) ?? [];
    list.push({ id: row.id, name: row.name, description: row.description });
    byMembership.set(row.membership_id, list);
  }
  return byMembership;
}
