import type { DataSource } from 'typeorm';
import type { Actor } from '../audit/index.js';
import type { InvitationService } from '../invitations/index.js';
import type { EventBus } from '../core/events.js';
import type { IntegrationEntity } from './integration.entity.js';
import type { IntegrationOptions } from './integration-kinds.js';
import { CompanyProvisioning } from './provisioning/company-provisioning.js';
import { GroupProvisioning } from './provisioning/group-provisioning.js';
import type {
  LinkedGroup,
  LinkedUser,
  ProvisionAction,
  ProvisionResult,
  UpstreamCompany,
  UpstreamGroup,
  UpstreamUser,
} from './provisioning/provisioning-model.js';
import { UserProvisioning } from './provisioning/user-provisioning.js';

export * from './provisioning/provisioning-model.js';

/**
 * The one place where upstream users, groups and companies become Roster's: used by the SCIM endpoint and by
 * every sync. It applies the integration's options (invite or stage, send emails or not, default role, what a
 * deactivation does), keeps (integration, external id) links so repeats are idempotent and email changes are
 * followed, audits as the integration and publishes the same live events as manual invitations. The work is
 * in provisioning/ (users, groups, companies); this binds them into the one service callers hold.
 */
export class ProvisioningService {
  readonly users: UserProvisioning;
  readonly groups: GroupProvisioning;
  readonly companies: CompanyProvisioning;

  constructor(dataSource: DataSource, events: EventBus, invitations: InvitationService) {
    this.users = new UserProvisioning(dataSource, events, invitations);
    this.groups = new GroupProvisioning(dataSource, events, invitations);
    this.companies = new CompanyProvisioning(dataSource, events, invitations);
  }

  optionsOf(integration: IntegrationEntity): IntegrationOptions {
    return this.users.optionsOf(integration);
  }

  actorOf(integration: IntegrationEntity): Actor {
    return this.users.actorOf(integration);
  }

  // ---- users: see provisioning/user-provisioning.ts

  findLinkedUser(integration: IntegrationEntity, by: { userId?: string; externalId?: string }): Promise<LinkedUser | null> {
    return this.users.findLinkedUser(integration, by);
  }

  upsertUser(integration: IntegrationEntity, upstream: UpstreamUser, options: { mustBeNew?: boolean } = {}): Promise<ProvisionResult> {
    return this.users.upsertUser(integration, upstream, options);
  }

  updateUser(integration: IntegrationEntity, userId: string, changes: Partial<UpstreamUser>): Promise<ProvisionResult> {
    return this.users.updateUser(integration, userId, changes);
  }

  suspendUsers(integration: IntegrationEntity, userIds: string[]): Promise<string[]> {
    return this.users.suspendUsers(integration, userIds);
  }

  restoreUsers(integration: IntegrationEntity, userIds: string[]): Promise<string[]> {
    return this.users.restoreUsers(integration, userIds);
  }

  unlinkUser(integration: IntegrationEntity, userId: string): Promise<ProvisionResult> {
    return this.users.unlinkUser(integration, userId);
  }

  linkedUsersNotSeenSince(integration: IntegrationEntity, since: Date): Promise<string[]> {
    return this.users.linkedUsersNotSeenSince(integration, since);
  }

  linkedUserCount(integration: IntegrationEntity): Promise<number> {
    return this.users.linkedUserCount(integration);
  }

  // ---- groups: see provisioning/group-provisioning.ts

  findLinkedGroup(integration: IntegrationEntity, by: { groupId?: string; externalId?: string }): Promise<LinkedGroup | null> {
    return this.groups.findLinkedGroup(integration, by);
  }

  upsertGroup(
    integration: IntegrationEntity,
    upstream: UpstreamGroup,
    options: { mustBeNew?: boolean } = {},
  ): Promise<{ groupId: string; action: ProvisionAction }> {
    return this.groups.upsertGroup(integration, upstream, options);
  }

  updateGroup(...args: Parameters<GroupProvisioning['updateGroup']>): ReturnType<GroupProvisioning['updateGroup']> {
    return this.groups.updateGroup(...args);
  }

  deleteGroup(integration: IntegrationEntity, groupId: string): Promise<void> {
    return this.groups.deleteGroup(integration, groupId);
  }

  memberIdsOf(groupId: string): Promise<string[]> {
    return this.groups.memberIdsOf(groupId);
  }

  changeGroupMembers(...args: Parameters<GroupProvisioning['changeGroupMembers']>): ReturnType<GroupProvisioning['changeGroupMembers']> {
    return this.groups.changeGroupMembers(...args);
  }

  // ---- companies: see provisioning/company-provisioning.ts

  upsertCompany(integration: IntegrationEntity, upstream: UpstreamCompany): Promise<{ companyId: string; action: ProvisionAction }> {
    return this.companies.upsertCompany(integration, upstream);
  }

  setUserCompany(integration: IntegrationEntity, userId: string, companyId: string | null): Promise<boolean> {
    return this.companies.setUserCompany(integration, userId, companyId);
  }
}
