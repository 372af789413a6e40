import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795608109643 implements MigrationInterface {
  name = 'Initial1795608109643';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "accounts" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "slug" varchar(100) NOT NULL, "invitation_lifetime_days" integer NOT NULL DEFAULT (7), "created_at" datetime(3) NOT NULL, CONSTRAINT "UQ_4effe647846f5cda6b5c90eefcd" UNIQUE ("slug"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "people" ("id" varchar(36) PRIMARY KEY NOT NULL, "email" varchar(320) NOT NULL, "name" varchar(200), "password_hash" varchar(255), "created_at" datetime(3) NOT NULL, CONSTRAINT "UQ_c77e8752faa45901af2b245dff2" UNIQUE ("email"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "companies" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "external_id" varchar(255), "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_companies_account_name" ON "companies" ("account_id", "name") `);
    await queryRunner.query(
      `CREATE TABLE "memberships" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "person_id" varchar(36), "email" varchar(320) NOT NULL, "name" varchar(200), "role" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "source" varchar(16) NOT NULL, "external_id" varchar(255), "company_id" varchar(36), "last_active_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_external" ON "memberships" ("account_id", "external_id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_person" ON "memberships" ("account_id", "person_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_email" ON "memberships" ("account_id", "email") `);
    await queryRunner.query(
      `CREATE TABLE "sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "person_id" varchar(36) NOT NULL, "current_account_id" varchar(36) NOT NULL, "created_at" datetime(3) NOT NULL, "expires_at" datetime(3) NOT NULL, "ended_at" datetime(3), CONSTRAINT "UQ_abaa9e068cdd390bc5210f79884" UNIQUE ("token_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sessions_person" ON "sessions" ("person_id") `);
    await queryRunner.query(
      `CREATE TABLE "user_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(1000), "external_id" varchar(255), "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_user_groups_account_name" ON "user_groups" ("account_id", "name") `);
    await queryRunner.query(
      `CREATE TABLE "group_members" ("group_id" varchar(36) NOT NULL, "membership_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, PRIMARY KEY ("group_id", "membership_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_group_members_membership" ON "group_members" ("membership_id") `);
    await queryRunner.query(`DROP INDEX "uq_companies_account_name"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_companies" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "external_id" varchar(255), "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_59caaf4ca872d0014267d036627" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_companies"("id", "account_id", "name", "external_id", "created_at") SELECT "id", "account_id", "name", "external_id", "created_at" FROM "companies"`,
    );
    await queryRunner.query(`DROP TABLE "companies"`);
    await queryRunner.query(`ALTER TABLE "temporary_companies" RENAME TO "companies"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_companies_account_name" ON "companies" ("account_id", "name") `);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_external"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_person"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_email"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_memberships" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "person_id" varchar(36), "email" varchar(320) NOT NULL, "name" varchar(200), "role" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "source" varchar(16) NOT NULL, "external_id" varchar(255), "company_id" varchar(36), "last_active_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, CONSTRAINT "FK_cc6ac2e484c2f6e53d13ce1a97c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_efc5c4a293123bc6e5fa4306bc4" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_ca5b88fd94eb8b6d630d3e7f867" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_memberships"("id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at") SELECT "id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at" FROM "memberships"`,
    );
    await queryRunner.query(`DROP TABLE "memberships"`);
    await queryRunner.query(`ALTER TABLE "temporary_memberships" RENAME TO "memberships"`);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_external" ON "memberships" ("account_id", "external_id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_person" ON "memberships" ("account_id", "person_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_email" ON "memberships" ("account_id", "email") `);
    await queryRunner.query(`DROP INDEX "ix_sessions_person"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "person_id" varchar(36) NOT NULL, "current_account_id" varchar(36) NOT NULL, "created_at" datetime(3) NOT NULL, "expires_at" datetime(3) NOT NULL, "ended_at" datetime(3), CONSTRAINT "UQ_abaa9e068cdd390bc5210f79884" UNIQUE ("token_hash"), CONSTRAINT "FK_c3942eab830cae599a763e11557" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_4cfc69112e7c5ad8085c58e206e" FOREIGN KEY ("current_account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_sessions"("id", "token_hash", "person_id", "current_account_id", "created_at", "expires_at", "ended_at") SELECT "id", "token_hash", "person_id", "current_account_id", "created_at", "expires_at", "ended_at" FROM "sessions"`,
    );
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`ALTER TABLE "temporary_sessions" RENAME TO "sessions"`);
    await queryRunner.query(`CREATE INDEX "ix_sessions_person" ON "sessions" ("person_id") `);
    await queryRunner.query(`DROP INDEX "uq_user_groups_account_name"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_user_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(1000), "external_id" varchar(255), "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_f290053651d3e6e548bb2b69ded" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_user_groups"("id", "account_id", "name", "description", "external_id", "created_at") SELECT "id", "account_id", "name", "description", "external_id", "created_at" FROM "user_groups"`,
    );
    await queryRunner.query(`DROP TABLE "user_groups"`);
    await queryRunner.query(`ALTER TABLE "temporary_user_groups" RENAME TO "user_groups"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_user_groups_account_name" ON "user_groups" ("account_id", "name") `);
    await queryRunner.query(`DROP INDEX "ix_group_members_membership"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_group_members" ("group_id" varchar(36) NOT NULL, "membership_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, CONSTRAINT "FK_2c840df5db52dc6b4a1b0b69c6e" FOREIGN KEY ("group_id") REFERENCES "user_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_7b3ec8fdff8055ddf63f91ed7ab" FOREIGN KEY ("membership_id") REFERENCES "memberships" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("group_id", "membership_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_group_members"("group_id", "membership_id", "account_id") SELECT "group_id", "membership_id", "account_id" FROM "group_members"`,
    );
    await queryRunner.query(`DROP TABLE "group_members"`);
    await queryRunner.query(`ALTER TABLE "temporary_group_members" RENAME TO "group_members"`);
    await queryRunner.query(`CREATE INDEX "ix_group_members_membership" ON "group_members" ("membership_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_group_members_membership"`);
    await queryRunner.query(`ALTER TABLE "group_members" RENAME TO "temporary_group_members"`);
    await queryRunner.query(
      `CREATE TABLE "group_members" ("group_id" varchar(36) NOT NULL, "membership_id" varchar(36) NOT NULL, "account_id" varchar(36) NOT NULL, PRIMARY KEY ("group_id", "membership_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "group_members"("group_id", "membership_id", "account_id") SELECT "group_id", "membership_id", "account_id" FROM "temporary_group_members"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_group_members"`);
    await queryRunner.query(`CREATE INDEX "ix_group_members_membership" ON "group_members" ("membership_id") `);
    await queryRunner.query(`DROP INDEX "uq_user_groups_account_name"`);
    await queryRunner.query(`ALTER TABLE "user_groups" RENAME TO "temporary_user_groups"`);
    await queryRunner.query(
      `CREATE TABLE "user_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "description" varchar(1000), "external_id" varchar(255), "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "user_groups"("id", "account_id", "name", "description", "external_id", "created_at") SELECT "id", "account_id", "name", "description", "external_id", "created_at" FROM "temporary_user_groups"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_user_groups"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_user_groups_account_name" ON "user_groups" ("account_id", "name") `);
    await queryRunner.query(`DROP INDEX "ix_sessions_person"`);
    await queryRunner.query(`ALTER TABLE "sessions" RENAME TO "temporary_sessions"`);
    await queryRunner.query(
      `CREATE TABLE "sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "person_id" varchar(36) NOT NULL, "current_account_id" varchar(36) NOT NULL, "created_at" datetime(3) NOT NULL, "expires_at" datetime(3) NOT NULL, "ended_at" datetime(3), CONSTRAINT "UQ_abaa9e068cdd390bc5210f79884" UNIQUE ("token_hash"))`,
    );
    await queryRunner.query(
      `INSERT INTO "sessions"("id", "token_hash", "person_id", "current_account_id", "created_at", "expires_at", "ended_at") SELECT "id", "token_hash", "person_id", "current_account_id", "created_at", "expires_at", "ended_at" FROM "temporary_sessions"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_sessions"`);
    await queryRunner.query(`CREATE INDEX "ix_sessions_person" ON "sessions" ("person_id") `);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_email"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_person"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_external"`);
    await queryRunner.query(`ALTER TABLE "memberships" RENAME TO "temporary_memberships"`);
    await queryRunner.query(
      `CREATE TABLE "memberships" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "person_id" varchar(36), "email" varchar(320) NOT NULL, "name" varchar(200), "role" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "source" varchar(16) NOT NULL, "external_id" varchar(255), "company_id" varchar(36), "last_active_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "memberships"("id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at") SELECT "id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at" FROM "temporary_memberships"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_memberships"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_email" ON "memberships" ("account_id", "email") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_person" ON "memberships" ("account_id", "person_id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_external" ON "memberships" ("account_id", "external_id") `);
    await queryRunner.query(`DROP INDEX "uq_companies_account_name"`);
    await queryRunner.query(`ALTER TABLE "companies" RENAME TO "temporary_companies"`);
    await queryRunner.query(
      `CREATE TABLE "companies" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "name" varchar(200) NOT NULL, "external_id" varchar(255), "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "companies"("id", "account_id", "name", "external_id", "created_at") SELECT "id", "account_id", "name", "external_id", "created_at" FROM "temporary_companies"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_companies"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_companies_account_name" ON "companies" ("account_id", "name") `);
    await queryRunner.query(`DROP INDEX "ix_group_members_membership"`);
    await queryRunner.query(`DROP TABLE "group_members"`);
    await queryRunner.query(`DROP INDEX "uq_user_groups_account_name"`);
    await queryRunner.query(`DROP TABLE "user_groups"`);
    await queryRunner.query(`DROP INDEX "ix_sessions_person"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_email"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_person"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_external"`);
    await queryRunner.query(`DROP TABLE "memberships"`);
    await queryRunner.query(`DROP INDEX "uq_companies_account_name"`);
    await queryRunner.query(`DROP TABLE "companies"`);
    await queryRunner.query(`DROP TABLE "people"`);
    await queryRunner.query(`DROP TABLE "accounts"`);
  }
}
