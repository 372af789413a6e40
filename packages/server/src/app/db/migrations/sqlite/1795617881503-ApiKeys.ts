import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1795617881503 implements MigrationInterface {
  name = 'ApiKeys1795617881503';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(100) NOT NULL, "scopes" varchar(500) NOT NULL, "prefix" varchar(12) NOT NULL, "secret_hash" varchar(64) NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "expires_at" datetime(3), "last_used_at" datetime(3), "revoked_at" datetime(3), CONSTRAINT "UQ_6f6105c8efe05b310d046cbdb3d" UNIQUE ("prefix"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_api_keys_account_created" ON "api_keys" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_api_keys_account_created"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(100) NOT NULL, "scopes" varchar(500) NOT NULL, "prefix" varchar(12) NOT NULL, "secret_hash" varchar(64) NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "expires_at" datetime(3), "last_used_at" datetime(3), "revoked_at" datetime(3), CONSTRAINT "UQ_6f6105c8efe05b310d046cbdb3d" UNIQUE ("prefix"), CONSTRAINT "FK_decaf331589778e33441b2a8d9e" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_6089db0e9770f797b5d61b59c64" FOREIGN KEY ("created_by_person_id") REFERENCES "people" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_api_keys"("id", "account_id", "name", "scopes", "prefix", "secret_hash", "created_by_person_id", "created_at", "expires_at", "last_used_at", "revoked_at") SELECT "id", "account_id", "name", "scopes", "prefix", "secret_hash", "created_by_person_id", "created_at", "expires_at", "last_used_at", "revoked_at" FROM "api_keys"`,
    );
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`ALTER TABLE "temporary_api_keys" RENAME TO "api_keys"`);
    await queryRunner.query(`CREATE INDEX "ix_api_keys_account_created" ON "api_keys" ("account_id", "created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_api_keys_account_created"`);
    await queryRunner.query(`ALTER TABLE "api_keys" RENAME TO "temporary_api_keys"`);
    await queryRunner.query(
      `CREATE TABLE "api_keys" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(100) NOT NULL, "scopes" varchar(500) NOT NULL, "prefix" varchar(12) NOT NULL, "secret_hash" varchar(64) NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "expires_at" datetime(3), "last_used_at" datetime(3), "revoked_at" datetime(3), CONSTRAINT "UQ_6f6105c8efe05b310d046cbdb3d" UNIQUE ("prefix"))`,
    );
    await queryRunner.query(
      `INSERT INTO "api_keys"("id", "account_id", "name", "scopes", "prefix", "secret_hash", "created_by_person_id", "created_at", "expires_at", "last_used_at", "revoked_at") SELECT "id", "account_id", "name", "scopes", "prefix", "secret_hash", "created_by_person_id", "created_at", "expires_at", "last_used_at", "revoked_at" FROM "temporary_api_keys"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_api_keys"`);
    await queryRunner.query(`CREATE INDEX "ix_api_keys_account_created" ON "api_keys" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_api_keys_account_created"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
