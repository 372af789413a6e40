import type { MigrationInterface, QueryRunner } from 'typeorm';

const EXPRESSION = "substr(email, instr(email, '@') + 1)";

/**
 * memberships.email_domain (generated from the email, indexed) so a search by domain walks an index. A virtual
 * generated column is added in place (ADD COLUMN), not by the generated table rebuild (see AddJobTitle).
 */
export class EmailDomainSearch1796220896630 implements MigrationInterface {
  name = 'EmailDomainSearch1796220896630';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "memberships" ADD COLUMN "email_domain" varchar(320) AS (${EXPRESSION}) VIRTUAL`);
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (NULL, NULL, ?, ?, ?, ?)`,
      ['memberships', 'GENERATED_COLUMN', 'email_domain', EXPRESSION],
    );
    await queryRunner.query(
      `CREATE INDEX "ix_memberships_account_domain_email" ON "memberships" ("account_id", "email_domain", "email", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_memberships_account_domain_email"`);
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = ? AND "name" = ? AND "table" = ?`, [
      'GENERATED_COLUMN',
      'email_domain',
      'memberships',
    ]);
    await queryRunner.query(`ALTER TABLE "memberships" DROP COLUMN "email_domain"`);
  }
}
