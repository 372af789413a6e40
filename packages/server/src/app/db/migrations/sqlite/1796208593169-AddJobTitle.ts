import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobTitle1796208593169 implements MigrationInterface {
  name = 'AddJobTitle1796208593169';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_memberships_account_email_id"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_created_id"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_email"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_person"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_external"`);
    await queryRunner.query(`CREATE TABLE "temporary_memberships" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "person_id" varchar(36), "email" varchar(320) NOT NULL, "name" varchar(200), "role" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "source" varchar(16) NOT NULL, "external_id" varchar(255), "company_id" varchar(36), "last_active_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "job_title" varchar(120), CONSTRAINT "FK_ca5b88fd94eb8b6d630d3e7f867" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_efc5c4a293123bc6e5fa4306bc4" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_cc6ac2e484c2f6e53d13ce1a97c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await queryRunner.query(`INSERT INTO "temporary_memberships"("id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at") SELECT "id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at" FROM "memberships"`);
    await queryRunner.query(`DROP TABLE "memberships"`);
    await queryRunner.query(`ALTER TABLE "temporary_memberships" RENAME TO "memberships"`);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_email_id" ON "memberships" ("account_id", "email", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_created_id" ON "memberships" ("account_id", "created_at", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_email" ON "memberships" ("account_id", "email") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_person" ON "memberships" ("account_id", "person_id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_external" ON "memberships" ("account_id", "external_id") `);
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`CREATE TABLE "temporary_import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), "job_title" varchar(120), CONSTRAINT "FK_e2294c3cba0346f11cc3f91c744" FOREIGN KEY ("job_id") REFERENCES "import_jobs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("job_id", "row_index"))`);
    await queryRunner.query(`INSERT INTO "temporary_import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id" FROM "import_rows"`);
    await queryRunner.query(`DROP TABLE "import_rows"`);
    await queryRunner.query(`ALTER TABLE "temporary_import_rows" RENAME TO "import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`ALTER TABLE "import_rows" RENAME TO "temporary_import_rows"`);
    await queryRunner.query(`CREATE TABLE "import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), CONSTRAINT "FK_e2294c3cba0346f11cc3f91c744" FOREIGN KEY ("job_id") REFERENCES "import_jobs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("job_id", "row_index"))`);
    await queryRunner.query(`INSERT INTO "import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id" FROM "temporary_import_rows"`);
    await queryRunner.query(`DROP TABLE "temporary_import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_external"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_status"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_person"`);
    await queryRunner.query(`DROP INDEX "uq_memberships_account_email"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_created_id"`);
    await queryRunner.query(`DROP INDEX "ix_memberships_account_email_id"`);
    await queryRunner.query(`ALTER TABLE "memberships" RENAME TO "temporary_memberships"`);
    await queryRunner.query(`CREATE TABLE "memberships" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "person_id" varchar(36), "email" varchar(320) NOT NULL, "name" varchar(200), "role" varchar(16) NOT NULL, "status" varchar(16) NOT NULL, "source" varchar(16) NOT NULL, "external_id" varchar(255), "company_id" varchar(36), "last_active_at" datetime(3), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, CONSTRAINT "FK_ca5b88fd94eb8b6d630d3e7f867" FOREIGN KEY ("company_id") REFERENCES "companies" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_efc5c4a293123bc6e5fa4306bc4" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE SET NULL ON UPDATE NO ACTION, CONSTRAINT "FK_cc6ac2e484c2f6e53d13ce1a97c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
    await queryRunner.query(`INSERT INTO "memberships"("id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at") SELECT "id", "account_id", "person_id", "email", "name", "role", "status", "source", "external_id", "company_id", "last_active_at", "created_at", "updated_at" FROM "temporary_memberships"`);
    await queryRunner.query(`DROP TABLE "temporary_memberships"`);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_external" ON "memberships" ("account_id", "external_id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_status" ON "memberships" ("account_id", "status") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_person" ON "memberships" ("account_id", "person_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_memberships_account_email" ON "memberships" ("account_id", "email") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_created_id" ON "memberships" ("account_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_memberships_account_email_id" ON "memberships" ("account_id", "email", "id") `);
  }
}
