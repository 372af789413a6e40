import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Generated, then trimmed by hand: the new tables are created with their foreign keys at once instead of rebuilt through copies. */
export class AddCompanyVault1796220142400 implements MigrationInterface {
  name = 'AddCompanyVault1796220142400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "vault_items" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "company_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "username" varchar(255), "url" varchar(2000), "sealed_password" text NOT NULL, "sealed_notes" text, "sealed_totp_secret" text, "integration_id" varchar(36), "upstream_id" varchar(255), "upstream_digest" varchar(64), "upstream_seen_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "archived_at" datetime(3), CONSTRAINT "FK_d406d92dacb8960354e1331fd2e" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_c6c61af1100edae0ce0122cc50e" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_vault_items_source" ON "vault_items" ("integration_id", "upstream_id") `);
    await queryRunner.query(`CREATE INDEX "ix_vault_items_company_name" ON "vault_items" ("account_id", "company_id", "name") `);
    await queryRunner.query(
      `CREATE TABLE "vault_access" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "company_id" varchar(36) NOT NULL, "group_id" varchar(36) NOT NULL, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_23ee8ac3c6816330e44fe15ed26" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_5932afbe7945d5581602d68d701" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_c9076c13112a2a928730cf664ff" FOREIGN KEY ("group_id") REFERENCES "user_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_vault_access_company_group" ON "vault_access" ("company_id", "group_id") `);
    await queryRunner.query(
      `CREATE TABLE "vault_data_keys" ("account_id" varchar(36) PRIMARY KEY NOT NULL, "sealed_key" varchar(255) NOT NULL, "created_at" datetime(3) NOT NULL, "resealed_at" datetime(3), CONSTRAINT "FK_98421e3f26d92915b137f91e9a4" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "vault_data_keys"`);
    await queryRunner.query(`DROP INDEX "uq_vault_access_company_group"`);
    await queryRunner.query(`DROP TABLE "vault_access"`);
    await queryRunner.query(`DROP INDEX "ix_vault_items_company_name"`);
    await queryRunner.query(`DROP INDEX "uq_vault_items_source"`);
    await queryRunner.query(`DROP TABLE "vault_items"`);
  }
}
