import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { Role, UserSource, UserStatus } from '../accounts/roles.js';
import { hashPassword } from '../auth/password.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/sessions/change-password.js';
import { newId, normalizeEmail } from '../core/db/columns.js';
import { inTransaction } from '../core/db/transaction.js';

export interface NewOwner {
  accountName: string;
  email: string;
  name: string;
  /** Null: one is generated and returned, to be shown once. */
  password: string | null;
}

export interface CreatedOwner {
  accountId: string;
  slug: string;
  email: string;
  /** The generated password, when none was given and the person is new. */
  generatedPassword: string | null;
  /** The email already belonged to a person (of another account): they keep their own password and sign-in. */
  existingPerson: boolean;
}

/**
 * Creates an MSP account with its first owner: how a production database (never seeded with the demo) gets the
 * person who then invites everyone else. Run by `node server/dist/app/create-owner-command.js` (docs/OPERATIONS.md).
 * Throws an Error whose message is for the operator.
 */
export async function createOwner(dataSource: DataSource, input: NewOwner, now = new Date()): Promise<CreatedOwner> {
  const accountName = input.accountName.trim();
  const name = input.name.trim();
  const email = normalizeEmail(input.email);
  if (accountName === '' || accountName.length > 200) throw new Error('The account name must have 1 to 200 characters.');
  if (name === '' || name.length > 200) throw new Error("The owner's name must have 1 to 200 characters.");
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || email.length > 320) throw new Error(`"${input.email}" is not an email address.`);
  if (input.password !== null && (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH))
    throw new Error(`The password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);

  const generatedPassword = input.password === null ? randomBytes(15).toString('base64url') : null;
  const passwordHash = await hashPassword(input.password ?? generatedPassword!);
  return inTransaction(dataSource, async (manager) => {
    const base =
      accountName
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 80) || 'account';
    let slug = base;
    for (let n = 2; await manager.getRepository(AccountEntity).existsBy({ slug }); n++) slug = `${base}-${n}`;

    const account: AccountEntity = { id: newId(), name: accountName, slug, invitationLifetimeDays: 7, createdAt: now };
    await manager.getRepository(AccountEntity).insert(account);
    const existing = await manager.getRepository(PersonEntity).findOneBy({ email });
    const personId = existing?.id ?? newId();
    if (!existing) await manager.getRepository(PersonEntity).insert({ id: personId, email, name, passwordHash, createdAt: now });
    const membership: MembershipEntity = {
      id: newId(),
      accountId: account.id,
      personId,
      email,
      name,
      jobTitle: null,
      role: Role.OWNER,
      status: UserStatus.ACTIVE,
      source: UserSource.MANUAL,
      externalId: null,
      companyId: null,
      lastActiveAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await manager.getRepository(MembershipEntity).insert(membership);
    return {
      accountId: account.id,
      slug,
      email,
      generatedPassword: existing ? null : generatedPassword,
      existingPerson: existing !== null,
    };
  });
}
