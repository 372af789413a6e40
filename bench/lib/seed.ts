import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { hashPassword } from '../../packages/server/src/auth/password.js';

/**
 * Fast bulk seeding of one MSP account straight into the tables Roster's MySQL migrations create
 * (packages/server/src/app/db/migrations/mysql): multi-row INSERTs through mysql2, one transaction, no ORM.
 * The data is deterministic (seeded PRNG) apart from the UUIDs, so runs are comparable.
 */

export interface SeedOptions {
  /** Users (memberships) in the account, the admin included. */
  users: number;
  companies?: number;
  groups?: number;
  /** Rows per INSERT statement. */
  batchSize?: number;
  seed?: number;
}

export interface SeededAccount {
  accountId: string;
  admin: { email: string; password: string; membershipId: string; personId: string };
  counts: { users: number; people: number; companies: number; groups: number; groupMembers: number };
}

export const BENCH_ADMIN = { email: 'admin@bench-msp.test', password: 'roster-bench-password' } as const;

const FIRST = [
  'amara',
  'ben',
  'chloe',
  'dev',
  'elena',
  'farid',
  'grace',
  'hugo',
  'ines',
  'jonas',
  'kai',
  'lena',
  'mateo',
  'nora',
  'omar',
  'priya',
  'quinn',
  'rosa',
  'sven',
  'tara',
  'umar',
  'vera',
  'wen',
  'yusuf',
  'zoe',
];
const LAST = [
  'okafor',
  'schmidt',
  'nakamura',
  'patel',
  'rossi',
  'haddad',
  'kim',
  'lefevre',
  'silva',
  'berg',
  'moreau',
  'novak',
  'garcia',
  'chen',
  'walsh',
];
const GROUP_NAMES = [
  'Helpdesk',
  'Engineering',
  'Billing',
  'Field Service',
  'NOC',
  'Security',
  'Onboarding',
  'Projects',
  'Management',
  'Night Shift',
];

/** `datetime(3)` text in UTC, the format Roster stores (core/db/columns.ts toSqlDateTime). */
export function sqlDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedAccount(databaseUrl: string, options: SeedOptions): Promise<SeededAccount> {
  const { users, companies: companyCount = 20, groups: groupCount = 10, batchSize = 2000, seed = 42 } = options;
  if (users < 1) throw new Error('seedAccount needs at least one user (the admin).');
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const now = Date.now();
  const ago = (ms: number) => sqlDateTime(new Date(now - ms));
  const DAY = 86_400_000;

  const accountId = randomUUID();
  const accountCreated = ago(400 * DAY);
  const account = [accountId, 'Bench MSP', 'bench-msp', 7, accountCreated];

  const companies = Array.from({ length: companyCount }, (_, i) => [
    randomUUID(),
    accountId,
    `Client ${String(i + 1).padStart(2, '0')} ${pick(['Ltd', 'Inc', 'GmbH', 'LLC', 'SA'])}`,
    i % 3 === 0 ? `psa-${1000 + i}` : null,
    accountCreated,
  ]);
  const groups = Array.from({ length: groupCount }, (_, i) => [
    randomUUID(),
    accountId,
    GROUP_NAMES[i] ?? `Group ${i + 1}`,
    `${GROUP_NAMES[i] ?? `Group ${i + 1}`} team`,
    null,
    accountCreated,
  ]);

  const people: unknown[][] = [];
  const memberships: unknown[][] = [];
  const groupMembers: unknown[][] = [];

  const adminPersonId = randomUUID();
  const adminMembershipId = randomUUID();
  people.push([adminPersonId, BENCH_ADMIN.email, 'Alex Admin', await hashPassword(BENCH_ADMIN.password), accountCreated]);
  memberships.push([
    adminMembershipId,
    accountId,
    adminPersonId,
    BENCH_ADMIN.email,
    'Alex Admin',
    'ADMIN',
    'ACTIVE',
    'MANUAL',
    null,
    null,
    ago(DAY),
    accountCreated,
    accountCreated,
  ]);

  for (let i = 1; i < users; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = random() < 0.85 ? pick(companies) : null;
    const domain = company ? `client${String(companies.indexOf(company) + 1).padStart(2, '0')}.test` : 'bench-msp.test';
    const email = `${first}.${last}.${i}@${domain}`;
    const roll = random();
    const status = roll < 0.7 ? 'ACTIVE' : roll < 0.9 ? 'INVITED' : 'SUSPENDED';
    const role = random() < 0.05 ? 'ADMIN' : 'MEMBER';
    const source = pick(['MANUAL', 'CSV', 'CSV', 'INTEGRATION', 'SCIM']);
    const created = ago(Math.floor(random() * 365 * DAY));
    const membershipId = randomUUID();
    let personId: string | null = null;
    if (status !== 'INVITED') {
      personId = randomUUID();
      // Some people chose their own name, which then wins over the one given at invite time.
      const ownName = random() < 0.3 ? `${cap(first)} ${cap(last)}-${cap(pick(LAST))}` : `${cap(first)} ${cap(last)}`;
      people.push([personId, email, ownName, null, created]);
    }
    const lastActive = status === 'INVITED' || random() < 0.1 ? null : ago(Math.floor(random() * 60 * DAY));
    memberships.push([
      membershipId,
      accountId,
      personId,
      email,
      random() < 0.9 ? `${cap(first)} ${cap(last)}` : null,
      role,
      status,
      source,
      source === 'SCIM' || source === 'INTEGRATION' ? `ext-${i}` : null,
      company?.[0] ?? null,
      lastActive,
      created,
      created,
    ]);
    const groupRoll = random();
    const groupsOfUser = groupRoll < 0.3 ? 0 : groupRoll < 0.75 ? 1 : 2;
    const chosen = new Set<string>();
    while (chosen.size < Math.min(groupsOfUser, groups.length)) chosen.add(pick(groups)[0] as string);
    for (const groupId of chosen) groupMembers.push([groupId, membershipId, accountId]);
  }

  const connection = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  try {
    await connection.beginTransaction();
    const insert = async (table: string, columns: string[], rows: unknown[][]) => {
      for (let start = 0; start < rows.length; start += batchSize) {
        await connection.query(`INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [
          rows.slice(start, start + batchSize),
        ]);
      }
    };
    await insert('accounts', ['id', 'name', 'slug', 'invitation_lifetime_days', 'created_at'], [account]);
    await insert('people', ['id', 'email', 'name', 'password_hash', 'created_at'], people);
    await insert('companies', ['id', 'account_id', 'name', 'external_id', 'created_at'], companies);
    await insert('user_groups', ['id', 'account_id', 'name', 'description', 'external_id', 'created_at'], groups);
    await insert(
      'memberships',
      [
        'id',
        'account_id',
        'person_id',
        'email',
        'name',
        'role',
        'status',
        'source',
        'external_id',
        'company_id',
        'last_active_at',
        'created_at',
        'updated_at',
      ],
      memberships,
    );
    await insert('group_members', ['group_id', 'membership_id', 'account_id'], groupMembers);
    await connection.commit();
    // Fresh statistics, so the optimiser picks its steady-state plans from the first request on.
    await connection.query('ANALYZE TABLE accounts, people, companies, user_groups, memberships, group_members');
  } catch (error) {
    await connection.rollback().catch(() => {});
    throw error;
  } finally {
    await connection.end();
  }

  return {
    accountId,
    admin: { ...BENCH_ADMIN, membershipId: adminMembershipId, personId: adminPersonId },
    counts: {
      users: memberships.length,
      people: people.length,
      companies: companies.length,
      groups: groups.length,
      groupMembers: groupMembers.length,
    },
  };
}

function cap(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
