import { afterAll, describe, expect, it } from 'vitest';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { verifyPassword } from '../auth/password.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/databases.js';
import { createDataSource } from './db/data-source.js';
import { createOwner } from './create-owner.js';

describe.each(dialects)('createOwner, the first owner of a production account (%s)', (dialect) => {
  let database: TestDatabase;
  afterAll(() => database?.drop());

  it('makes an account with its active owner; a person who already signs in keeps their password in the next account', async () => {
    database = await createTestDatabase(dialect);
    const dataSource = await createDataSource(database.config);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      const first = await createOwner(dataSource, {
        accountName: 'Acme IT',
        email: ' Ada@Acme.test ',
        name: 'Ada',
        password: 'first-password',
      });
      expect(first).toMatchObject({ slug: 'acme-it', email: 'ada@acme.test', generatedPassword: null, existingPerson: false });
      const second = await createOwner(dataSource, { accountName: 'Acme IT', email: 'ada@acme.test', name: 'Ada', password: null });
      expect(second).toMatchObject({ slug: 'acme-it-2', generatedPassword: null, existingPerson: true });

      const person = await dataSource.getRepository(PersonEntity).findOneByOrFail({ email: 'ada@acme.test' });
      expect(await verifyPassword('first-password', person.passwordHash!)).toBe(true);
      const memberships = await dataSource.getRepository(MembershipEntity).findBy({ personId: person.id });
      expect(memberships.map((m) => [m.accountId, m.role, m.status]).sort()).toEqual(
        [
          [first.accountId, 'OWNER', 'ACTIVE'],
          [second.accountId, 'OWNER', 'ACTIVE'],
        ].sort(),
      );

      await expect(createOwner(dataSource, { accountName: 'X', email: 'x@acme.test', name: 'X', password: 'short' })).rejects.toThrow(
        'The password must have 10 to 1024 characters.',
      );
      expect(await dataSource.getRepository(PersonEntity).countBy({ email: 'x@acme.test' })).toBe(0);
    } finally {
      await dataSource.destroy();
    }
  });
});
