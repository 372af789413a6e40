import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/roles.js';
import { newId } from '../../core/db/columns.js';
import { CompanyEntity } from '../../companies/company.entity.js';
import { GroupEntity } from '../../groups/group.entity.js';
import type { AccountEvent } from '../../core/events.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../../test/harness.js';
import { IntegrationEntity } from '../integration.entity.js';
import { defaultIntegrationOptions, IntegrationStatus, IntegrationType } from '../integration-kinds.js';
import { CompanyProvisioning } from './company-provisioning.js';
import { GroupProvisioning } from './group-provisioning.js';
import { ProvisionAction, ProvisioningError } from './provisioning-model.js';
import { UserProvisioning } from './user-provisioning.js';

/** Users, groups and companies provisioning, each built and called on its own (not through the service or SCIM). */
describe.each(dialects)('provisioning units (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let published: AccountEvent[];
  let users: UserProvisioning;
  let groups: GroupProvisioning;
  let companies: CompanyProvisioning;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runWebhookWorker: false, runSyncEngine: false },
    );
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Units MSP' })).id;
    const events = { publish: (event: AccountEvent) => void published.push(event), subscribe: () => () => {} };
    users = new UserProvisioning(roster.dataSource, events, roster.services.invitations);
    groups = new GroupProvisioning(roster.dataSource, events, roster.services.invitations);
    companies = new CompanyProvisioning(roster.dataSource, events, roster.services.invitations);
  });
  beforeEach(() => {
    published = [];
  });
  afterAll(() => roster?.close());

  const anIntegration = async (type = IntegrationType.CONNECTWISE): Promise<IntegrationEntity> => {
    const now = new Date();
    const integration: IntegrationEntity = {
      id: newId(),
      accountId,
      type,
      name: `${type} units`,
      status: IntegrationStatus.CONNECTED,
      sealedCredentials: null,
      options: JSON.stringify(defaultIntegrationOptions(type)),
      scimTokenHash: null,
      scimTokenPrefix: null,
      scimTokenRotatedAt: null,
      syncIntervalMinutes: null,
      lastSyncAt: null,
      nextSyncAt: null,
      lastError: null,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
    };
    await roster.dataSource.getRepository(IntegrationEntity).insert(integration);
    return integration;
  };

  it('companies: creates a company once per upstream id, adopts one of the same name, and puts a user into it', async () => {
    const integration = await anIntegration();
    const first = await companies.upsertCompany(integration, { externalId: 'cw-1', name: 'Contoso' });
    expect(first.action).toBe(ProvisionAction.CREATED);
    expect(await companies.upsertCompany(integration, { externalId: 'cw-1', name: 'Contoso' })).toEqual({
      companyId: first.companyId,
      action: ProvisionAction.UNCHANGED,
    });
    const existing = await builders(roster.dataSource).aCompany(accountId, 'Fabrikam');
    expect((await companies.upsertCompany(integration, { externalId: 'cw-2', name: 'Fabrikam' })).companyId).toBe(existing.id);
    expect(await roster.dataSource.getRepository(CompanyEntity).countBy({ accountId, name: 'Contoso' })).toBe(1);

    const user = await builders(roster.dataSource).aUser(accountId);
    expect(await companies.setUserCompany(integration, user.id, first.companyId)).toBe(true);
    expect((await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: user.id })).companyId).toBe(first.companyId);
    expect(published).toMatchObject([{ type: 'user.changed', userIds: [user.id] }]);
    // Already in a company: a sync does not move them.
    expect(await companies.setUserCompany(integration, user.id, existing.id)).toBe(false);
  });

  it('groups: creates a group, renames it from upstream, and replaces its members with the upstream list', async () => {
    const integration = await anIntegration(IntegrationType.SCIM);
    const [a, b] = [await builders(roster.dataSource).aUser(accountId), await builders(roster.dataSource).aUser(accountId)];
    const { groupId, action } = await groups.upsertGroup(integration, { externalId: 'grp-1', displayName: 'Engineers' });
    expect(action).toBe(ProvisionAction.CREATED);
    expect(await groups.updateGroup(integration, groupId, { displayName: 'Engineering' })).toBe(ProvisionAction.UPDATED);
    expect((await roster.dataSource.getRepository(GroupEntity).findOneByOrFail({ id: groupId })).name).toBe('Engineering');

    await groups.changeGroupMembers(integration, groupId, { add: [a.id] });
    const change = await groups.changeGroupMembers(integration, groupId, { add: [b.id], replace: true });
    expect(change).toMatchObject({ added: [b.id], removed: [a.id] });
    expect(await groups.memberIdsOf(groupId)).toEqual([b.id]);
    expect(await groups.findLinkedGroup(integration, { externalId: 'grp-1' })).toMatchObject({ group: { id: groupId } });
  });

  it('users: invites a new upstream user, links an existing one by email, and refuses an invalid email', async () => {
    const integration = await anIntegration(IntegrationType.SCIM);
    const invited = await users.upsertUser(integration, {
      externalId: 'u-1',
      email: 'New.Person@Units.test',
      name: 'New Person',
      active: true,
    });
    expect(invited.action).toBe(ProvisionAction.INVITED);
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: invited.userId! })).toMatchObject({
      email: 'new.person@units.test',
      status: UserStatus.INVITED,
    });
    expect(await users.linkedUserCount(integration)).toBe(1);

    const existing = await builders(roster.dataSource).aUser(accountId, { email: 'already@units.test' });
    expect(await users.upsertUser(integration, { externalId: 'u-2', email: 'already@units.test', name: null, active: true })).toMatchObject(
      { userId: existing.id, action: ProvisionAction.LINKED },
    );
    expect(await users.findLinkedUser(integration, { externalId: 'u-2' })).toMatchObject({ membership: { id: existing.id } });

    await expect(
      users.upsertUser(integration, { externalId: 'u-3', email: 'not an email', name: null, active: true }),
    ).rejects.toBeInstanceOf(ProvisioningError);
  });
});
