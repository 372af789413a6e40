import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { newId } from '../core/db/columns.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { InvitationEntity, InvitationState } from '../invitations/invitation.entity.js';
import { OutboxEmailEntity } from '../mail/outbox-email.entity.js';
import type { AccountEvent } from '../core/events.js';
import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { IntegrationEntity } from './integration.entity.js';
import {
  defaultIntegrationOptions,
  IntegrationStatus,
  IntegrationType,
  UpstreamRemovalAction,
  type IntegrationOptions,
} from './integration-kinds.js';
import { ProvisionAction, ProvisioningError } from './provisioning.service.js';
import { suspendMemberships } from '../accounts/user-lifecycle.js';
import { inTransaction } from '../core/db/transaction.js';

describe.each(dialects)('provisioning users and groups from upstream (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let events: AccountEvent[];

  beforeEach(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Upstream MSP' })).id;
    events = [];
    roster.services.events.subscribe((event) => events.push(event));
  });
  afterEach(async () => roster?.close());

  const anIntegration = async (
    type: IntegrationType,
    options: Partial<IntegrationOptions> = {},
    account = accountId,
  ): Promise<IntegrationEntity> => {
    const now = new Date();
    const integration: IntegrationEntity = {
      id: newId(),
      accountId: account,
      type,
      name: `${type} test`,
      status: IntegrationStatus.CONNECTED,
      sealedCredentials: null,
      options: JSON.stringify({ ...defaultIntegrationOptions(type), ...options }),
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
  const membership = (id: string) => roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id });
  const pendingInvitation = (membershipId: string) =>
    roster.dataSource.getRepository(InvitationEntity).findOneBy({ membershipId, state: InvitationState.PENDING });
  const ada = { externalId: 'okta-00u1', email: 'Ada@Clients.test', name: 'Ada Lovelace', active: true };

  it('invites a new upstream user once, without an email when the SCIM integration says so, and a repeat changes nothing', async () => {
    const scim = await anIntegration(IntegrationType.SCIM, { sendInvitationEmails: false });
    const first = await roster.services.provisioning.upsertUser(scim, ada);
    expect(first.action).toBe(ProvisionAction.INVITED);
    const user = await membership(first.userId!);
    expect(user).toMatchObject({
      email: 'ada@clients.test',
      status: UserStatus.INVITED,
      source: 'SCIM',
      externalId: 'okta-00u1',
      role: Role.MEMBER,
    });
    expect(await pendingInvitation(user.id)).not.toBeNull();
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).count()).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['user.invited']);

    expect(await roster.services.provisioning.upsertUser(scim, ada)).toEqual({ userId: user.id, action: ProvisionAction.UNCHANGED });
    expect((await roster.services.provisioning.upsertUser(scim, ada, { mustBeNew: true })).action).toBe(ProvisionAction.CONFLICT);
    expect(await roster.dataSource.getRepository(MembershipEntity).countBy({ accountId })).toBe(1);
  });

  it('queues an invitation email when the integration sends them, and stages users when auto-invite is off', async () => {
    const directory = await anIntegration(IntegrationType.MICROSOFT_ENTRA, { sendInvitationEmails: true });
    await roster.services.provisioning.upsertUser(directory, ada);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).count()).toBe(1);

    const staging = await anIntegration(IntegrationType.SCIM, { autoInvite: false });
    const staged = await roster.services.provisioning.upsertUser(staging, {
      externalId: 'x-2',
      email: 'grace@clients.test',
      name: 'Grace',
      active: true,
    });
    expect(staged.action).toBe(ProvisionAction.STAGED);
    expect((await membership(staged.userId!)).status).toBe(UserStatus.STAGED);
    expect(await pendingInvitation(staged.userId!)).toBeNull();
  });

  it('links an existing user by email instead of creating a second one', async () => {
    const existing = await builders(roster.dataSource).aUser(accountId, {
      email: 'ada@clients.test',
      status: UserStatus.ACTIVE,
      password: 'ada-password-1',
    });
    const scim = await anIntegration(IntegrationType.SCIM);
    const result = await roster.services.provisioning.upsertUser(scim, ada);
    expect(result).toEqual({ userId: existing.id, action: ProvisionAction.LINKED });
    expect((await membership(existing.id)).status).toBe(UserStatus.ACTIVE);
    expect(await roster.services.provisioning.findLinkedUser(scim, { externalId: 'okta-00u1' })).not.toBeNull();
  });

  it('follows an email change through the external id, and the pending invitation moves with it', async () => {
    const scim = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    const tokenHashBefore = (await pendingInvitation(userId!))!.tokenHash;
    const moved = await roster.services.provisioning.upsertUser(scim, { ...ada, email: 'ada.king@clients.test' });
    expect(moved).toEqual({ userId, action: ProvisionAction.UPDATED });
    expect((await membership(userId!)).email).toBe('ada.king@clients.test');
    const invitation = (await pendingInvitation(userId!))!;
    expect(invitation.email).toBe('ada.king@clients.test');
    expect(invitation.tokenHash).toBe(tokenHashBefore);
  });

  it('refuses an email change onto another user of the account, changing nothing', async () => {
    await builders(roster.dataSource).aUser(accountId, { email: 'taken@clients.test' });
    const scim = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    await expect(roster.services.provisioning.updateUser(scim, userId!, { email: 'taken@clients.test' })).rejects.toBeInstanceOf(
      ProvisioningError,
    );
    expect((await membership(userId!)).email).toBe('ada@clients.test');
  });

  it('suspends on deactivation and restores to where the user was, never touching an owner', async () => {
    const scim = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    expect((await roster.services.provisioning.updateUser(scim, userId!, { active: false })).action).toBe(ProvisionAction.SUSPENDED);
    expect((await membership(userId!)).status).toBe(UserStatus.SUSPENDED);
    expect((await roster.services.provisioning.updateUser(scim, userId!, { active: true })).action).toBe(ProvisionAction.RESTORED);
    expect((await membership(userId!)).status).toBe(UserStatus.INVITED);
    expect(events.map((e) => e.type)).toEqual(['user.invited', 'user.suspended', 'user.restored']);

    const owner = await builders(roster.dataSource).aUser(accountId, {
      email: 'owner@clients.test',
      role: Role.OWNER,
      password: 'owner-password',
    });
    await roster.services.provisioning.upsertUser(scim, {
      externalId: 'okta-owner',
      email: 'owner@clients.test',
      name: 'Owner',
      active: true,
    });
    const refused = await roster.services.provisioning.updateUser(scim, owner.id, { active: false });
    expect(refused.action).toBe(ProvisionAction.SKIPPED);
    expect((await membership(owner.id)).status).toBe(UserStatus.ACTIVE);
  });

  it("does not undo an admin's own suspension when upstream restates the user as active", async () => {
    const scim = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    await inTransaction(roster.dataSource, (manager) =>
      suspendMemberships(manager, accountId, { type: 'PERSON', id: null }, [userId!], new Date()),
    );
    const result = await roster.services.provisioning.upsertUser(scim, { ...ada, name: 'Ada King' });
    expect(result.action).toBe(ProvisionAction.UPDATED);
    expect((await membership(userId!)).status).toBe(UserStatus.SUSPENDED);
  });

  it('keeps a deactivated user when the integration says keep', async () => {
    const keeping = await anIntegration(IntegrationType.SCIM, { onUpstreamRemoval: UpstreamRemovalAction.KEEP });
    const { userId } = await roster.services.provisioning.upsertUser(keeping, ada);
    await roster.services.provisioning.updateUser(keeping, userId!, { active: false });
    expect((await membership(userId!)).status).toBe(UserStatus.INVITED);
  });

  it('unlinking suspends and forgets the link but keeps the user and their history', async () => {
    const scim = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    expect((await roster.services.provisioning.unlinkUser(scim, userId!)).action).toBe(ProvisionAction.SUSPENDED);
    expect(await roster.services.provisioning.findLinkedUser(scim, { userId: userId! })).toBeNull();
    expect((await membership(userId!)).status).toBe(UserStatus.SUSPENDED);
    const trail = await roster.dataSource
      .getRepository(AuditEventEntity)
      .find({ where: { targetId: userId! }, order: { createdAt: 'ASC' } });
    expect(trail.map((t) => [t.action, t.actorType])).toEqual(
      expect.arrayContaining([
        ['user.invited', 'SCIM'],
        ['user.unlinked', 'SCIM'],
        ['user.suspended', 'SCIM'],
      ]),
    );
  });

  it('pushes groups: adopts a same-name group, changes members, refuses users of another account', async () => {
    const scim = await anIntegration(IntegrationType.SCIM);
    const manual = await builders(roster.dataSource).aGroup(accountId, 'Helpdesk');
    const adopted = await roster.services.provisioning.upsertGroup(scim, { externalId: 'g-1', displayName: 'Helpdesk' });
    expect(adopted).toEqual({ groupId: manual.id, action: ProvisionAction.LINKED });
    const { userId } = await roster.services.provisioning.upsertUser(scim, ada);
    const other = await builders(roster.dataSource).anAccount();
    const stranger = await builders(roster.dataSource).aUser(other.id, { email: 'stranger@elsewhere.test' });

    const change = await roster.services.provisioning.changeGroupMembers(scim, manual.id, { add: [userId!, stranger.id] });
    expect(change).toEqual({ added: [userId], removed: [], unknown: [stranger.id] });
    expect(await roster.dataSource.getRepository(GroupMemberEntity).countBy({ groupId: manual.id })).toBe(1);
    expect((await roster.services.provisioning.changeGroupMembers(scim, manual.id, { add: [], replace: true })).removed).toEqual([userId]);

    expect(await roster.services.provisioning.updateGroup(scim, manual.id, { displayName: 'Service Desk' })).toBe(ProvisionAction.UPDATED);
    await roster.services.provisioning.deleteGroup(scim, manual.id);
    expect(await roster.services.provisioning.findLinkedGroup(scim, { groupId: manual.id })).toBeNull();
    expect((await membership(userId!)).status).toBe(UserStatus.INVITED);
  });

  it("never reaches into another account: a link is the integration's own", async () => {
    const other = await builders(roster.dataSource).anAccount();
    const theirs = await anIntegration(IntegrationType.SCIM, {}, other.id);
    const ours = await anIntegration(IntegrationType.SCIM);
    const { userId } = await roster.services.provisioning.upsertUser(theirs, ada);
    expect(await roster.services.provisioning.findLinkedUser(ours, { userId: userId! })).toBeNull();
    await expect(roster.services.provisioning.updateUser(ours, userId!, { active: false })).rejects.toThrow(/not found/);
    const mine = await roster.services.provisioning.upsertUser(ours, ada);
    expect(mine.userId).not.toBe(userId);
    expect((await membership(mine.userId!)).accountId).toBe(accountId);
  });
});
