import type { DataSource } from 'typeorm';
import { AccountEntity } from '../src/accounts/account.entity.js';
import { MembershipEntity } from '../src/accounts/membership.entity.js';
import { PersonEntity } from '../src/accounts/person.entity.js';
import { Role, UserSource, UserStatus } from '../src/accounts/roles.js';
import { hashPassword } from '../src/auth/password.js';
import { newId, normalizeEmail } from '../src/core/db/columns.js';
import { bulkInsertEntities } from '../src/core/db/bulk-insert.js';
import { CompanyEntity } from '../src/companies/company.entity.js';
import { GroupMemberEntity } from '../src/groups/group-member.entity.js';
import { GroupEntity } from '../src/groups/group.entity.js';
import { hashToken, newSecretToken } from '../src/auth/tokens.js';
import { IntegrationEntity } from '../src/integrations/integration.entity.js';
import { IntegrationStatus, IntegrationType, type IntegrationOptions } from '../src/integrations/integration-kinds.js';

let sequence = 0;
const next = () => ++sequence;

/** Small builders that write straight to the database: each test makes exactly the data it needs. */
export function builders(dataSource: DataSource) {
  return {
    async anAccount(overrides: Partial<AccountEntity> = {}): Promise<AccountEntity> {
      const n = next();
      const account: AccountEntity = {
        id: newId(),
        name: `MSP ${n}`,
        slug: `msp-${n}-${newId().slice(0, 8)}`,
        invitationLifetimeDays: 7,
        createdAt: new Date(),
        ...overrides,
      };
      await dataSource.getRepository(AccountEntity).insert(account);
      return account;
    },

    async aCompany(accountId: string, name = `Company ${next()}`): Promise<CompanyEntity> {
      const company: CompanyEntity = { id: newId(), accountId, name, externalId: null, createdAt: new Date() };
      await dataSource.getRepository(CompanyEntity).insert(company);
      return company;
    },

    async aGroup(accountId: string, name = `Group ${next()}`): Promise<GroupEntity> {
      const group: GroupEntity = { id: newId(), accountId, name, description: null, externalId: null, createdAt: new Date() };
      await dataSource.getRepository(GroupEntity).insert(group);
      return group;
    },

    /** A SCIM integration of an account and its bearer token (plaintext, as an admin would copy it once). */
    async aScimIntegration(
      accountId: string,
      options: Partial<IntegrationOptions> = {},
      overrides: Partial<IntegrationEntity> = {},
    ): Promise<IntegrationEntity & { token: string }> {
      const token = newSecretToken();
      const now = new Date();
      const integration: IntegrationEntity = {
        id: newId(),
        accountId,
        type: IntegrationType.SCIM,
        name: `SCIM ${next()}`,
        status: IntegrationStatus.CONNECTED,
        sealedCredentials: null,
        options: JSON.stringify(options),
        scimTokenHash: hashToken(token),
        scimTokenPrefix: token.slice(0, 8),
        scimTokenRotatedAt: now,
        syncIntervalMinutes: null,
        lastSyncAt: null,
        nextSyncAt: null,
        lastError: null,
        createdBy: null,
        createdAt: now,
        updatedAt: now,
        ...overrides,
      };
      await dataSource.getRepository(IntegrationEntity).insert(integration);
      return { ...integration, token };
    },

    /**
     * A user (membership) of an account. Active users get a person with the given password so they can
     * sign in; invited users have no person yet, as in real life.
     */
    async aUser(
      accountId: string,
      options: {
        email?: string;
        name?: string;
        role?: Role;
        status?: UserStatus;
        password?: string;
        companyId?: string;
        groupIds?: string[];
        personId?: string;
        lastActiveAt?: Date;
      } = {},
    ): Promise<MembershipEntity & { password: string }> {
      const n = next();
      const email = normalizeEmail(options.email ?? `user${n}@example.test`);
      const status = options.status ?? UserStatus.ACTIVE;
      const password = options.password ?? `password-${n}`;
      let personId = options.personId ?? null;
      if (!personId && status !== UserStatus.INVITED) {
        const existing = await dataSource.getRepository(PersonEntity).findOneBy({ email });
        personId = existing?.id ?? newId();
        if (!existing) {
          await dataSource.getRepository(PersonEntity).insert({
            id: personId,
            email,
            name: options.name ?? `User ${n}`,
            passwordHash: await hashPassword(password),
            createdAt: new Date(),
          });
        }
      }
      const membership: MembershipEntity = {
        id: newId(),
        accountId,
        personId,
        email,
        name: options.name ?? `User ${n}`,
        jobTitle: null,
        role: options.role ?? Role.MEMBER,
        status,
        source: UserSource.MANUAL,
        externalId: null,
        companyId: options.companyId ?? null,
        lastActiveAt: options.lastActiveAt ?? null,
        createdAt: new Date(Date.now() + n),
        updatedAt: new Date(),
      };
      await dataSource.getRepository(MembershipEntity).insert(membership);
      if (options.groupIds?.length) {
        await dataSource
          .getRepository(GroupMemberEntity)
          .insert(options.groupIds.map((groupId) => ({ groupId, membershipId: membership.id, accountId })));
      }
      return { ...membership, password };
    },

    /** `count` invited users of an account in one multi-row INSERT (no people, no passwords): a large account, fast. */
    async manyInvitedUsers(accountId: string, count: number, options: { companyId?: string } = {}): Promise<MembershipEntity[]> {
      const now = new Date();
      const users = Array.from({ length: count }, (): MembershipEntity => {
        const n = next();
        return {
          id: newId(),
          accountId,
          personId: null,
          email: `invited${n}@example.test`,
          name: `Invited ${n}`,
          jobTitle: null,
          role: Role.MEMBER,
          status: UserStatus.INVITED,
          source: UserSource.MANUAL,
          externalId: null,
          companyId: options.companyId ?? null,
          lastActiveAt: null,
          createdAt: now,
          updatedAt: now,
        };
      });
      await bulkInsertEntities(dataSource.manager, MembershipEntity, users);
      return users;
    },
  };
}
