import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountIdOnChildTables1796248874785 implements MigrationInterface {
  name = 'AccountIdOnChildTables1796248874785';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // SQLite adds a NOT NULL column only by rebuilding the table: each copy takes the account of the row's parent
    // (import job, sync run, integration) and leaves out rows without one (none while the cascading foreign keys hold).
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), "job_title" varchar(120), "account_id" varchar(36) NOT NULL, CONSTRAINT "FK_e2294c3cba0346f11cc3f91c744" FOREIGN KEY ("job_id") REFERENCES "import_jobs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("job_id", "row_index"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id", "job_title", "account_id") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id", "job_title", (SELECT "account_id" FROM "import_jobs" WHERE "import_jobs"."id" = "import_rows"."job_id") FROM "import_rows" WHERE "job_id" IN (SELECT "id" FROM "import_jobs")`,
    );
    await queryRunner.query(`DROP TABLE "import_rows"`);
    await queryRunner.query(`ALTER TABLE "temporary_import_rows" RENAME TO "import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(
      `CREATE TABLE "temporary_sync_run_items" ("run_id" varchar(36) NOT NULL, "position" integer NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "label" varchar(320) NOT NULL, "action" varchar(24) NOT NULL, "local_id" varchar(36), "message" varchar(1000), "account_id" varchar(36) NOT NULL, CONSTRAINT "FK_eefe9b3e4512d64d67270764aa9" FOREIGN KEY ("run_id") REFERENCES "sync_runs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("run_id", "position"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_sync_run_items"("run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message", "account_id") SELECT "run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message", (SELECT "account_id" FROM "sync_runs" WHERE "sync_runs"."id" = "sync_run_items"."run_id") FROM "sync_run_items" WHERE "run_id" IN (SELECT "id" FROM "sync_runs")`,
    );
    await queryRunner.query(`DROP TABLE "sync_run_items"`);
    await queryRunner.query(`ALTER TABLE "temporary_sync_run_items" RENAME TO "sync_run_items"`);
    await queryRunner.query(`DROP INDEX "ix_scim_request_errors_integration"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_scim_request_errors" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "method" varchar(8) NOT NULL, "path" varchar(300) NOT NULL, "status" integer NOT NULL, "scim_type" varchar(32), "detail" varchar(500) NOT NULL, "created_at" datetime(3) NOT NULL, "account_id" varchar(36) NOT NULL, CONSTRAINT "FK_38672d1a8ccbfcfab37e4b2d230" FOREIGN KEY ("integration_id") REFERENCES "integrations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_scim_request_errors"("id", "integration_id", "method", "path", "status", "scim_type", "detail", "created_at", "account_id") SELECT "id", "integration_id", "method", "path", "status", "scim_type", "detail", "created_at", (SELECT "account_id" FROM "integrations" WHERE "integrations"."id" = "scim_request_errors"."integration_id") FROM "scim_request_errors" WHERE "integration_id" IN (SELECT "id" FROM "integrations")`,
    );
    await queryRunner.query(`DROP TABLE "scim_request_errors"`);
    await queryRunner.query(`ALTER TABLE "temporary_scim_request_errors" RENAME TO "scim_request_errors"`);
    await queryRunner.query(`CREATE INDEX "ix_scim_request_errors_integration" ON "scim_request_errors" ("integration_id", "created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_scim_request_errors_integration"`);
    await queryRunner.query(`ALTER TABLE "scim_request_errors" RENAME TO "temporary_scim_request_errors"`);
    await queryRunner.query(
      `CREATE TABLE "scim_request_errors" ("id" varchar(36) PRIMARY KEY NOT NULL, "integration_id" varchar(36) NOT NULL, "method" varchar(8) NOT NULL, "path" varchar(300) NOT NULL, "status" integer NOT NULL, "scim_type" varchar(32), "detail" varchar(500) NOT NULL, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_38672d1a8ccbfcfab37e4b2d230" FOREIGN KEY ("integration_id") REFERENCES "integrations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "scim_request_errors"("id", "integration_id", "method", "path", "status", "scim_type", "detail", "created_at") SELECT "id", "integration_id", "method", "path", "status", "scim_type", "detail", "created_at" FROM "temporary_scim_request_errors"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_scim_request_errors"`);
    await queryRunner.query(`CREATE INDEX "ix_scim_request_errors_integration" ON "scim_request_errors" ("integration_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "sync_run_items" RENAME TO "temporary_sync_run_items"`);
    await queryRunner.query(
      `CREATE TABLE "sync_run_items" ("run_id" varchar(36) NOT NULL, "position" integer NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "label" varchar(320) NOT NULL, "action" varchar(24) NOT NULL, "local_id" varchar(36), "message" varchar(1000), CONSTRAINT "FK_eefe9b3e4512d64d67270764aa9" FOREIGN KEY ("run_id") REFERENCES "sync_runs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("run_id", "position"))`,
    );
    await queryRunner.query(
      `INSERT INTO "sync_run_items"("run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message") SELECT "run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message" FROM "temporary_sync_run_items"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_sync_run_items"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`ALTER TABLE "import_rows" RENAME TO "temporary_import_rows"`);
    await queryRunner.query(
      `CREATE TABLE "import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), "job_title" varchar(120), CONSTRAINT "FK_e2294c3cba0346f11cc3f91c744" FOREIGN KEY ("job_id") REFERENCES "import_jobs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("job_id", "row_index"))`,
    );
    await queryRunner.query(
      `INSERT INTO "import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id", "job_title") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id", "job_title" FROM "temporary_import_rows"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
  }
}
