import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Generated, then hand-edited: the generator created scim_request_errors without its foreign key and then rebuilt it
 * (and accounts, invitations, integrations) through temporary copies, whose `down` breaks the foreign keys of the
 * tables that reference them. The new table is created with its foreign key at once; the other changes are one
 * nullable column each, which SQLite's ALTER TABLE adds and drops in place.
 */
export class ReminderAndScimActivity1796218875991 implements MigrationInterface {
  name = 'ReminderAndScimActivity1796218875991';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "scim_request_errors" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "method" varchar(8) NOT NULL, "path" varchar(300) NOT NULL, "status" integer NOT NULL, "scim_type" varchar(32), "detail" varchar(500) NOT NULL, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_38672d1a8ccbfcfab37e4b2d230" FOREIGN KEY ("integration_id") REFERENCES "integrations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_scim_request_errors_integration" ON "scim_request_errors" ("integration_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "accounts" ADD COLUMN "invitation_reminder_days" integer`);
    await queryRunner.query(`ALTER TABLE "invitations" ADD COLUMN "reminder_sent_at" datetime(3)`);
    await queryRunner.query(`ALTER TABLE "integrations" ADD COLUMN "last_request_at" datetime(3)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integrations" DROP COLUMN "last_request_at"`);
    await queryRunner.query(`ALTER TABLE "invitations" DROP COLUMN "reminder_sent_at"`);
    await queryRunner.query(`ALTER TABLE "accounts" DROP COLUMN "invitation_reminder_days"`);
    await queryRunner.query(`DROP INDEX "ix_scim_request_errors_integration"`);
    await queryRunner.query(`DROP TABLE "scim_request_errors"`);
  }
}
