import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Integrations1795617538707 implements MigrationInterface {
  name = 'Integrations1795617538707';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "integrations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "type" varchar(32) NOT NULL, "name" varchar(200) NOT NULL, "status" varchar(16) NOT NULL, "sealed_credentials" text, "options" text NOT NULL, "scim_token_hash" varchar(64), "scim_token_prefix" varchar(16), "scim_token_rotated_at" datetime(3), "sync_interval_minutes" integer, "last_sync_at" datetime(3), "next_sync_at" datetime(3), "last_error" varchar(1000), "created_by" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_integrations_scim_token" ON "integrations" ("scim_token_hash") `);
    await queryRunner.query(`CREATE INDEX "ix_integrations_account" ON "integrations" ("account_id", "created_at", "id") `);
    await queryRunner.query(
      `CREATE TABLE "external_links" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "local_id" varchar(36) NOT NULL, "fingerprint" varchar(64), "attributes" text, "last_seen_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_external_links_local" ON "external_links" ("integration_id", "resource_type", "local_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_external_links_key" ON "external_links" ("integration_id", "resource_type", "external_id") `,
    );
    await queryRunner.query(`DROP INDEX "uq_integrations_scim_token"`);
    await queryRunner.query(`DROP INDEX "ix_integrations_account"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_integrations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "type" varchar(32) NOT NULL, "name" varchar(200) NOT NULL, "status" varchar(16) NOT NULL, "sealed_credentials" text, "options" text NOT NULL, "scim_token_hash" varchar(64), "scim_token_prefix" varchar(16), "scim_token_rotated_at" datetime(3), "sync_interval_minutes" integer, "last_sync_at" datetime(3), "next_sync_at" datetime(3), "last_error" varchar(1000), "created_by" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, CONSTRAINT "FK_ed0bc8399bf93f3e28f21e8fe06" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_integrations"("id", "account_id", "type", "name", "status", "sealed_credentials", "options", "scim_token_hash", "scim_token_prefix", "scim_token_rotated_at", "sync_interval_minutes", "last_sync_at", "next_sync_at", "last_error", "created_by", "created_at", "updated_at") SELECT "id", "account_id", "type", "name", "status", "sealed_credentials", "options", "scim_token_hash", "scim_token_prefix", "scim_token_rotated_at", "sync_interval_minutes", "last_sync_at", "next_sync_at", "last_error", "created_by", "created_at", "updated_at" FROM "integrations"`,
    );
    await queryRunner.query(`DROP TABLE "integrations"`);
    await queryRunner.query(`ALTER TABLE "temporary_integrations" RENAME TO "integrations"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_integrations_scim_token" ON "integrations" ("scim_token_hash") `);
    await queryRunner.query(`CREATE INDEX "ix_integrations_account" ON "integrations" ("account_id", "created_at", "id") `);
    await queryRunner.query(`DROP INDEX "ix_external_links_local"`);
    await queryRunner.query(`DROP INDEX "uq_external_links_key"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_external_links" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "local_id" varchar(36) NOT NULL, "fingerprint" varchar(64), "attributes" text, "last_seen_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_cc88852f1602727725bb795ef9a" FOREIGN KEY ("integration_id") REFERENCES "integrations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_external_links"("id", "integration_id", "account_id", "resource_type", "external_id", "local_id", "fingerprint", "attributes", "last_seen_at", "created_at") SELECT "id", "integration_id", "account_id", "resource_type", "external_id", "local_id", "fingerprint", "attributes", "last_seen_at", "created_at" FROM "external_links"`,
    );
    await queryRunner.query(`DROP TABLE "external_links"`);
    await queryRunner.query(`ALTER TABLE "temporary_external_links" RENAME TO "external_links"`);
    await queryRunner.query(`CREATE INDEX "ix_external_links_local" ON "external_links" ("integration_id", "resource_type", "local_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_external_links_key" ON "external_links" ("integration_id", "resource_type", "external_id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_external_links_key"`);
    await queryRunner.query(`DROP INDEX "ix_external_links_local"`);
    await queryRunner.query(`ALTER TABLE "external_links" RENAME TO "temporary_external_links"`);
    await queryRunner.query(
      `CREATE TABLE "external_links" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "local_id" varchar(36) NOT NULL, "fingerprint" varchar(64), "attributes" text, "last_seen_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "external_links"("id", "integration_id", "account_id", "resource_type", "external_id", "local_id", "fingerprint", "attributes", "last_seen_at", "created_at") SELECT "id", "integration_id", "account_id", "resource_type", "external_id", "local_id", "fingerprint", "attributes", "last_seen_at", "created_at" FROM "temporary_external_links"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_external_links"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_external_links_key" ON "external_links" ("integration_id", "resource_type", "external_id") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_external_links_local" ON "external_links" ("integration_id", "resource_type", "local_id") `);
    await queryRunner.query(`DROP INDEX "ix_integrations_account"`);
    await queryRunner.query(`DROP INDEX "uq_integrations_scim_token"`);
    await queryRunner.query(`ALTER TABLE "integrations" RENAME TO "temporary_integrations"`);
    await queryRunner.query(
      `CREATE TABLE "integrations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "type" varchar(32) NOT NULL, "name" varchar(200) NOT NULL, "status" varchar(16) NOT NULL, "sealed_credentials" text, "options" text NOT NULL, "scim_token_hash" varchar(64), "scim_token_prefix" varchar(16), "scim_token_rotated_at" datetime(3), "sync_interval_minutes" integer, "last_sync_at" datetime(3), "next_sync_at" datetime(3), "last_error" varchar(1000), "created_by" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "integrations"("id", "account_id", "type", "name", "status", "sealed_credentials", "options", "scim_token_hash", "scim_token_prefix", "scim_token_rotated_at", "sync_interval_minutes", "last_sync_at", "next_sync_at", "last_error", "created_by", "created_at", "updated_at") SELECT "id", "account_id", "type", "name", "status", "sealed_credentials", "options", "scim_token_hash", "scim_token_prefix", "scim_token_rotated_at", "sync_interval_minutes", "last_sync_at", "next_sync_at", "last_error", "created_by", "created_at", "updated_at" FROM "temporary_integrations"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_integrations"`);
    await queryRunner.query(`CREATE INDEX "ix_integrations_account" ON "integrations" ("account_id", "created_at", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_integrations_scim_token" ON "integrations" ("scim_token_hash") `);
    await queryRunner.query(`DROP INDEX "uq_external_links_key"`);
    await queryRunner.query(`DROP INDEX "ix_external_links_local"`);
    await queryRunner.query(`DROP TABLE "external_links"`);
    await queryRunner.query(`DROP INDEX "ix_integrations_account"`);
    await queryRunner.query(`DROP INDEX "uq_integrations_scim_token"`);
    await queryRunner.query(`DROP TABLE "integrations"`);
  }
}
