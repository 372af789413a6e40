import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GroupUpdatedAt1796205647745 implements MigrationInterface {
  name = 'GroupUpdatedAt1796205647745';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_user_groups_account_name"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_user_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(1000), "external_id" varchar(255), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3), CONSTRAINT "FK_f290053651d3e6e548bb2b69ded" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_user_groups"("id", "account_id", "name", "description", "external_id", "created_at") SELECT "id", "account_id", "name", "description", "external_id", "created_at" FROM "user_groups"`,
    );
    await queryRunner.query(`DROP TABLE "user_groups"`);
    await queryRunner.query(`ALTER TABLE "temporary_user_groups" RENAME TO "user_groups"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_user_groups_account_name" ON "user_groups" ("account_id", "name") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_user_groups_account_name"`);
    await queryRunner.query(`ALTER TABLE "user_groups" RENAME TO "temporary_user_groups"`);
    await queryRunner.query(
      `CREATE TABLE "user_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(1000), "external_id" varchar(255), "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_f290053651d3e6e548bb2b69ded" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "user_groups"("id", "account_id", "name", "description", "external_id", "created_at") SELECT "id", "account_id", "name", "description", "external_id", "created_at" FROM "temporary_user_groups"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_user_groups"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_user_groups_account_name" ON "user_groups" ("account_id", "name") `);
  }
}
