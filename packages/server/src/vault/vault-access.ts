import type { EntityManager } from 'typeorm';
import { isAdministrator, type Viewer } from '../core/viewer.js';
import { forbidden, notFound } from '../core/errors.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { VaultAccessEntity } from './vault-access.entity.js';

/**
 * The one rule of who may list and reveal a company's vault: administrators (and their API keys, which carry the
 * `vault:*` scopes the authorization plugin checked), and members of a group an administrator granted access to.
 */
export async function mayUseVault(manager: EntityManager, viewer: Viewer, companyId: string): Promise<boolean> {
  if (isAdministrator(viewer.role)) return true;
  const row = await manager
    .getRepository(VaultAccessEntity)
    .createQueryBuilder('va')
    .innerJoin(GroupMemberEntity, 'gm', 'gm.group_id = va.group_id AND gm.account_id = va.account_id')
    .where('va.account_id = :accountId AND va.company_id = :companyId AND gm.membership_id = :membershipId', {
      accountId: viewer.accountId,
      companyId,
      membershipId: viewer.membershipId,
    })
    .select('va.id', 'id')
    .getRawOne<{ id: string }>();
  return row !== undefined;
}

/** The company of the viewer's account, or NOT_FOUND naming `field`. */
export async function ownCompany(manager: EntityManager, viewer: Viewer, companyId: string, field: string): Promise<CompanyEntity> {
  const company = await manager.getRepository(CompanyEntity).findOneBy({ id: companyId, accountId: viewer.accountId });
  if (!company) throw notFound('Company', field);
  return company;
}

/** The group of the viewer's account, or NOT_FOUND naming `field`. */
export async function ownGroup(manager: EntityManager, viewer: Viewer, groupId: string, field: string): Promise<GroupEntity> {
  const group = await manager.getRepository(GroupEntity).findOneBy({ id: groupId, accountId: viewer.accountId });
  if (!group) throw notFound('Group', field);
  return group;
}

/** Refuses anyone who may not use this company's vault (FORBIDDEN, after the company was found to be the viewer's own). */
export async function requireVaultAccess(manager: EntityManager, viewer: Viewer, companyId: string): Promise<void> {
  if (!(await mayUseVault(manager, viewer, companyId)))
    throw forbidden("You may not open this company's vault: ask an administrator to grant one of your groups access.", {
      reason: 'NO_VAULT_ACCESS',
    });
}

/** The groups granted access to a company's vault, by name. */
export async function groupsWithAccess(manager: EntityManager, accountId: string, companyId: string): Promise<GroupEntity[]> {
  return manager
    .getRepository(GroupEntity)
    .createQueryBuilder('g')
    .innerJoin(VaultAccessEntity, 'va', 'va.group_id = g.id')
    .where('va.account_id = :accountId AND va.company_id = :companyId', { accountId, companyId })
    .orderBy('LOWER(g.name)', 'ASC')
    .getMany();
}
