import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { hashPassword } from '../../packages/server/src/auth/password.js';
import { prng, sqlDateTime } from '../lib/seed.js';

/**
 * Seeds one MSP account of `users` users for `pnpm bench:scale`, streaming: each batch is generated, inserted with
 * multi-row INSERTs and forgotten, so a million users need no more memory than five thousand. Several accounts live
 * in the same database (emails carry the account's tag), as they would in production. Fixed seed: every run gets
 * the same data, apart from the UUIDs.
 */
export interface ScaleAccount {
  accountId: string;
  users: number;
  admin: { email: string; password: string };
  companyId: string;
  groupId: string;
}

const FIRST = ['amara', 'ben', 'chloe', 'dev', 'elena', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kai', 'lena', 'mateo'];
const MORE_FIRST = ['nora', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tara', 'umar', 'vera', 'wen', 'yusuf', 'zoe'];
const FIRSTS = [...FIRST, ...MORE_FIRST];
const LAST = ['okafor', 'schmidt', 'nakamura', 'patel', 'rossi', 'haddad', 'kim', 'lefevre', 'silva', 'berg', 'moreau', 'novak'];
const GROUPS = ['Helpdesk', 'Engineering', 'Billing', 'Field Service', 'NOC', 'Security', 'Onboarding', 'Projects'];
const BATCH = 5_000;
const PASSWORD = 'roster-bench-password';

const tagOf = (users: number) => (users >= 1_000_000 ? `${users / 1_000_000}m` : `${users / 1_000}k`);

/**
 * The account of `users` users a previous run seeded into a kept database (BENCH_SCALE_KEEP_DATABASE), or null when
 * there is none. A seed cut short (fewer memberships than users) is refused: its figures would describe another size.
 */
export async function findScaleAccount(databaseUrl: string, users: number): Promise<ScaleAccount | null> {
  const tag = tagOf(users);
  const connection = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  try {
    const [accounts] = await connection.query('SELECT id FROM accounts WHERE slug = ?', [`scale-${tag}`]);
    const accountId = (accounts as Array<{ id: string }>)[0]?.id;
    if (!accountId) return null;
    const [counted] = await connection.query('SELECT COUNT(*) AS n FROM memberships WHERE account_id = ?', [accountId]);
    const seeded = Number((counted as Array<{ n: number }>)[0]!.n);
    if (seeded !== users) {
      throw new Error(`the kept database holds ${seeded} of the ${users} users of scale-${tag} (a seed cut short): drop it`);
    }
    const [company] = await connection.query("SELECT id FROM companies WHERE account_id = ? AND name = 'Client 1'", [accountId]);
    const [group] = await connection.query('SELECT id FROM user_groups WHERE account_id = ? AND name = ?', [accountId, GROUPS[0]]);
    return {
      accountId,
      users,
      admin: { email: `admin@scale-${tag}.test`, password: PASSWORD },
      companyId: (company as Array<{ id: string }>)[0]!.id,
      groupId: (group as Array<{ id: string }>)[0]!.id,
    };
  } finally {
    await connection.end();
  }
}

export async function seedScaleAccount(databaseUrl: string, users: number, progress: (done: number) => void): Promise<ScaleAccount> {
  const tag = tagOf(users);
  const random = prng(users);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const cap = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const now = Date.now();
  const DAY = 86_400_000;
  const ago = (ms: number) => sqlDateTime(new Date(now - ms));
  const created = ago(400 * DAY);

  const connection = await mysql.createConnection({ uri: databaseUrl, timezone: 'Z' });
  const insert = (table: string, columns: string[], rows: unknown[][]) =>
    rows.length ? connection.query(`INSERT INTO \`${table}\` (${columns.join(', ')}) VALUES ?`, [rows]) : null;
  try {
    // The data is consistent by construction; checking each row's keys would only slow the seed.
    await connection.query('SET foreign_key_checks = 0, unique_checks = 0');
    const accountId = randomUUID();
    await insert(
      'accounts',
      ['id', 'name', 'slug', 'invitation_lifetime_days', 'created_at'],
      [[accountId, `Scale ${tag}`, `scale-${tag}`, 7, created]],
    );
    const companies = Array.from({ length: 50 }, (_, i) => [randomUUID(), accountId, `Client ${i + 1}`, null, created]);
    const groups = GROUPS.map((name) => [randomUUID(), accountId, name, `${name} team`, null, created]);
    await insert('companies', ['id', 'account_id', 'name', 'external_id', 'created_at'], companies);
    await insert('user_groups', ['id', 'account_id', 'name', 'description', 'external_id', 'created_at'], groups);

    const admin = { email: `admin@scale-${tag}.test`, password: PASSWORD };
    const adminPerson = randomUUID();
    await insert(
      'people',
      ['id', 'email', 'name', 'password_hash', 'created_at'],
      [[adminPerson, admin.email, 'Alex Admin', await hashPassword(PASSWORD), created]],
    );
    const membershipColumns = [
      'id',
      'account_id',
      'person_id',
      'email',
      'name',
      'role',
      'status',
      'source',
      'company_id',
      'last_active_at',
      'created_at',
      'updated_at',
    ];
    await insert('memberships', membershipColumns, [
      [randomUUID(), accountId, adminPerson, admin.email, 'Alex Admin', 'OWNER', 'ACTIVE', 'MANUAL', null, ago(DAY), created, created],
    ]);

    for (let start = 1; start < users; start += BATCH) {
      const people: unknown[][] = [];
      const memberships: unknown[][] = [];
      const members: unknown[][] = [];
      for (let i = start; i < Math.min(users, start + BATCH); i++) {
        const first = pick(FIRSTS);
        const last = pick(LAST);
        const company = random() < 0.85 ? pick(companies) : null;
        const email = `${first}.${last}.${tag}${i}@client${company ? companies.indexOf(company) + 1 : 0}.test`;
        const roll = random();
        const status = roll < 0.7 ? 'ACTIVE' : roll < 0.9 ? 'INVITED' : 'SUSPENDED';
        const role = random() < 0.02 ? 'ADMIN' : 'MEMBER';
        const at = ago(Math.floor(random() * 365 * DAY));
        const id = randomUUID();
        let personId: string | null = null;
        if (status !== 'INVITED') {
          personId = randomUUID();
          people.push([personId, email, `${cap(first)} ${cap(last)}`, null, at]);
        }
        const lastActive = status === 'INVITED' || random() < 0.1 ? null : ago(Math.floor(random() * 60 * DAY));
        const source = pick(['MANUAL', 'CSV', 'INTEGRATION', 'SCIM']);
        memberships.push([
          id,
          accountId,
          personId,
          email,
          `${cap(first)} ${cap(last)}`,
          role,
          status,
          source,
          company?.[0] ?? null,
          lastActive,
          at,
          at,
        ]);
        const roll2 = random();
        const count = roll2 < 0.3 ? 0 : roll2 < 0.75 ? 1 : 2;
        const chosen = new Set<string>();
        while (chosen.size < count) chosen.add(pick(groups)[0] as string);
        for (const groupId of chosen) members.push([groupId, id, accountId]);
      }
      await connection.beginTransaction();
      await insert('people', ['id', 'email', 'name', 'password_hash', 'created_at'], people);
      await insert('memberships', membershipColumns, memberships);
      await insert('group_members', ['group_id', 'membership_id', 'account_id'], members);
      await connection.commit();
      progress(Math.min(users, start + BATCH));
    }
    await connection.query('ANALYZE TABLE people, memberships, group_members');
    return { accountId, users, admin, companyId: companies[0]![0] as string, groupId: groups[0]![0] as string };
  } finally {
    await connection.end();
  }
}
