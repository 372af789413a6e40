import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersListIndexes1796219385726 implements MigrationInterface {
  name = 'UsersListIndexes1796219385726';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(
      `CREATE INDEX "ix_memberships_account_company_email" ON "memberships" ("account_id", "company_id", "email", "id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_role_email" ON "memberships" ("account_id", "role", "email", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status_email" ON "memberships" ("account_id", "status", "email", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_active_id" ON "memberships" ("account_id", "last_active_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_name_id" ON "memberships" ("account_id", "name", "id") `);
    // The Users page sorts and searches by the name each account knows its users by (memberships.name, indexed):
    // a user who joined with an existing sign-in kept no name of their own here, so they take the person's name.
    await queryRunner.query(
      `UPDATE memberships SET name = (SELECT p.name FROM people p WHERE p.id = memberships.person_id) WHERE name IS NULL AND person_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_memberships_account_name_id"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_active_id"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status_email"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_role_email"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_company_email"`);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
  }
}
