import { DataSource } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { Role, UserSource, UserStatus } from '../accounts/roles.js';
import { hashPassword } from '../auth/password.js';
import { newId, normalizeEmail } from '../core/db/columns.js';
import { inTransaction } from '../core/db/transaction.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';

export interface DemoSignIn {
  email: string;
  password: string;
}

export const DEMO_ADMIN: DemoSignIn = { email: 'admin@northwind-msp.test', password: 'roster-demo' };

interface SeedUser {
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  source: UserSource;
  company?: string;
  groups?: string[];
  password?: string;
  lastActiveHoursAgo?: number;
}

const FIRST = [
  'Amara',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kai',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
];
const LAST = ['Okafor', 'Schmidt', 'Nakamura', 'Patel', 'Rossi', 'Haddad', 'Kim', 'Lefevre', 'Silva', 'Berg', 'Moreau', 'Novak'];

/**
 * Seeds a demo MSP account (and a second, separate one) when the database has no account at all.
 * Returns the demo admin's sign-in whenever that person exists, so start-up can print it.
 */
export async function seedDemoIfEmpty(dataSource: DataSource, generatedUsers = 240): Promise<DemoSignIn | null> {
  if ((await dataSource.getRepository(AccountEntity).count()) === 0) {
    await inTransaction(dataSource, async (manager) => {
      const now = Date.now();
      const people: PersonEntity[] = [];
      const memberships: MembershipEntity[] = [];
      const groupMembers: GroupMemberEntity[] = [];
      const passwordHash = await hashPassword(DEMO_ADMIN.password);

      const addAccount = (name: string, slug: string, companyNames: string[], groupNames: string[], users: SeedUser[]) => {
        const account: AccountEntity = { id: newId(), name, slug, invitationLifetimeDays: 7, createdAt: new Date(now - 90 * 86_400_000) };
        const companies = companyNames.map((n) => ({
          id: newId(),
          accountId: account.id,
          name: n,
          externalId: null,
          createdAt: account.createdAt,
        }));
        const groups = groupNames.map((n) => ({
          id: newId(),
          accountId: account.id,
          name: n,
          description: `${n} team`,
          externalId: null,
          createdAt: account.createdAt,
        }));
        users.forEach((user, index) => {
          const email = normalizeEmail(user.email);
          let personId: string | null = null;
          if (user.status !== UserStatus.INVITED) {
            const existing = people.find((p) => p.email === email);
            personId = existing?.id ?? newId();
            if (!existing) {
              people.push({
                id: personId,
                email,
                name: user.name,
                passwordHash: user.password ? passwordHash : null,
                createdAt: account.createdAt,
              });
            }
          }
          const membership: MembershipEntity = {
            id: newId(),
            accountId: account.id,
            personId,
            email,
            name: user.name,
            jobTitle: null,
            role: user.role,
            status: user.status,
            source: user.source,
            externalId: null,
            companyId: companies.find((c) => c.name === user.company)?.id ?? null,
            lastActiveAt: user.lastActiveHoursAgo === undefined ? null : new Date(now - user.lastActiveHoursAgo * 3_600_000),
            createdAt: new Date(now - (users.length - index) * 3_600_000),
            updatedAt: new Date(now),
          };
          memberships.push(membership);
          for (const groupName of user.groups ?? []) {
            const group = groups.find((g) => g.name === groupName)!;
            groupMembers.push({ groupId: group.id, membershipId: membership.id, accountId: account.id });
          }
        });
        return { account, companies, groups };
      };

      const northwindUsers: SeedUser[] = [
        {
          email: DEMO_ADMIN.email,
          name: 'Alex Morgan',
          role: Role.OWNER,
          status: UserStatus.ACTIVE,
          source: UserSource.MANUAL,
          password: DEMO_ADMIN.password,
          groups: ['Helpdesk', 'Engineering'],
          lastActiveHoursAgo: 1,
        },
        {
          email: 'sam.rivera@northwind-msp.test',
          name: 'Sam Rivera',
          role: Role.ADMIN,
          status: UserStatus.ACTIVE,
          source: UserSource.MANUAL,
          groups: ['Engineering'],
          lastActiveHoursAgo: 5,
        },
        {
          email: 'jo.chen@contoso.test',
          name: 'Jo Chen',
          role: Role.MEMBER,
          status: UserStatus.ACTIVE,
          source: UserSource.CSV,
          company: 'Contoso Ltd',
          groups: ['Helpdesk'],
          lastActiveHoursAgo: 26,
        },
        {
          email: 'maria.garcia@fabrikam.test',
          name: 'Maria Garcia',
          role: Role.MEMBER,
          status: UserStatus.ACTIVE,
          source: UserSource.INTEGRATION,
          company: 'Fabrikam Inc',
          lastActiveHoursAgo: 72,
        },
        {
          email: 'new.hire@contoso.test',
          name: 'Nia Brooks',
          role: Role.MEMBER,
          status: UserStatus.INVITED,
          source: UserSource.MANUAL,
          company: 'Contoso Ltd',
          groups: ['Helpdesk'],
        },
        {
          email: 'pat.lee@fabrikam.test',
          name: 'Pat Lee',
          role: Role.ADMIN,
          status: UserStatus.INVITED,
          source: UserSource.CSV,
          company: 'Fabrikam Inc',
        },
        {
          email: 'okta.user@tailspin.test',
          name: 'Riley Quinn',
          role: Role.MEMBER,
          status: UserStatus.INVITED,
          source: UserSource.SCIM,
          company: 'Tailspin Toys',
          groups: ['Billing'],
        },
        {
          email: 'former.staff@contoso.test',
          name: 'Drew Former',
          role: Role.MEMBER,
          status: UserStatus.SUSPENDED,
          source: UserSource.INTEGRATION,
          company: 'Contoso Ltd',
          lastActiveHoursAgo: 24 * 40,
        },
      ];
      const statuses = [UserStatus.ACTIVE, UserStatus.ACTIVE, UserStatus.ACTIVE, UserStatus.INVITED, UserStatus.SUSPENDED];
      const companyCycle = ['Contoso Ltd', 'Fabrikam Inc', 'Tailspin Toys', undefined];
      const groupCycle = [['Helpdesk'], ['Engineering'], ['Billing'], [], ['Helpdesk', 'Billing']];
      for (let i = 0; i < generatedUsers; i++) {
        const first = FIRST[i % FIRST.length]!;
        const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
        const status = statuses[i % statuses.length]!;
        northwindUsers.push({
          email: `${first}.${last}.${i}@clients.test`.toLowerCase(),
          name: `${first} ${last}`,
          role: i % 17 === 0 ? Role.ADMIN : Role.MEMBER,
          status,
          source: [UserSource.MANUAL, UserSource.CSV, UserSource.INTEGRATION, UserSource.SCIM][i % 4]!,
          company: companyCycle[i % companyCycle.length],
          groups: groupCycle[i % groupCycle.length],
          lastActiveHoursAgo: status === UserStatus.INVITED ? undefined : (i * 7) % 2000,
        });
      }
      const northwind = addAccount(
        'Northwind MSP',
        'northwind-msp',
        ['Contoso Ltd', 'Fabrikam Inc', 'Tailspin Toys'],
        ['Helpdesk', 'Engineering', 'Billing'],
        northwindUsers,
      );
      const blueYonder = addAccount(
        'Blue Yonder IT',
        'blue-yonder-it',
        ['Wingtip Travel'],
        ['Service Desk'],
        [
          {
            email: 'owner@blueyonder-it.test',
            name: 'Blair Young',
            role: Role.OWNER,
            status: UserStatus.ACTIVE,
            source: UserSource.MANUAL,
            groups: ['Service Desk'],
            lastActiveHoursAgo: 3,
          },
          {
            email: DEMO_ADMIN.email,
            name: 'Alex Morgan',
            role: Role.ADMIN,
            status: UserStatus.ACTIVE,
            source: UserSource.MANUAL,
            lastActiveHoursAgo: 48,
          },
          {
            email: 'tech@wingtip.test',
            name: 'Toni Walsh',
            role: Role.MEMBER,
            status: UserStatus.INVITED,
            source: UserSource.MANUAL,
            company: 'Wingtip Travel',
          },
        ],
      );

      await manager.insert(AccountEntity, [northwind.account, blueYonder.account]);
      await manager.insert(PersonEntity, people);
      await manager.insert(CompanyEntity, [...northwind.companies, ...blueYonder.companies]);
      await manager.insert(GroupEntity, [...northwind.groups, ...blueYonder.groups]);
      for (let i = 0; i < memberships.length; i += 200) await manager.insert(MembershipEntity, memberships.slice(i, i + 200));
      for (let i = 0; i < groupMembers.length; i += 500) await manager.insert(GroupMemberEntity, groupMembers.slice(i, i + 500));
    });
  }
  const admin = await dataSource.getRepository(PersonEntity).findOneBy({ email: DEMO_ADMIN.email });
  return admin ? DEMO_ADMIN : null;
}
