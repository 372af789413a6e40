import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Imports1795610168695 implements MigrationInterface {
  name = 'Imports1795610168695';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "import_jobs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "created_by_person_id" varchar(36), "origin" varchar(8) NOT NULL, "file_name" varchar(255), "file_bytes" integer NOT NULL DEFAULT (0), "state" varchar(16) NOT NULL, "error" varchar(1000), "delimiter" varchar(4), "has_header" boolean NOT NULL DEFAULT (0), "columns" text, "mapping" text, "options" text, "total_rows" integer NOT NULL DEFAULT (0), "processed_rows" integer NOT NULL DEFAULT (0), "outcomes" text, "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_state" ON "import_jobs" ("state", "lease_until") `);
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_account" ON "import_jobs" ("account_id", "created_at") `);
    await queryRunner.query(
      `CREATE TABLE "import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), PRIMARY KEY ("job_id", "row_index"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_state"`);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_account"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_import_jobs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "created_by_person_id" varchar(36), "origin" varchar(8) NOT NULL, "file_name" varchar(255), "file_bytes" integer NOT NULL DEFAULT (0), "state" varchar(16) NOT NULL, "error" varchar(1000), "delimiter" varchar(4), "has_header" boolean NOT NULL DEFAULT (0), "columns" text, "mapping" text, "options" text, "total_rows" integer NOT NULL DEFAULT (0), "processed_rows" integer NOT NULL DEFAULT (0), "outcomes" text, "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3), CONSTRAINT "FK_7056a28764595cc3fcf65536580" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_import_jobs"("id", "account_id", "created_by_person_id", "origin", "file_name", "file_bytes", "state", "error", "delimiter", "has_header", "columns", "mapping", "options", "total_rows", "processed_rows", "outcomes", "lease_owner", "lease_until", "created_at", "started_at", "finished_at") SELECT "id", "account_id", "created_by_person_id", "origin", "file_name", "file_bytes", "state", "error", "delimiter", "has_header", "columns", "mapping", "options", "total_rows", "processed_rows", "outcomes", "lease_owner", "lease_until", "created_at", "started_at", "finished_at" FROM "import_jobs"`,
    );
    await queryRunner.query(`DROP TABLE "import_jobs"`);
    await queryRunner.query(`ALTER TABLE "temporary_import_jobs" RENAME TO "import_jobs"`);
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_state" ON "import_jobs" ("state", "lease_until") `);
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_account" ON "import_jobs" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), CONSTRAINT "FK_e2294c3cba0346f11cc3f91c744" FOREIGN KEY ("job_id") REFERENCES "import_jobs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("job_id", "row_index"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id" FROM "import_rows"`,
    );
    await queryRunner.query(`DROP TABLE "import_rows"`);
    await queryRunner.query(`ALTER TABLE "temporary_import_rows" RENAME TO "import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`ALTER TABLE "import_rows" RENAME TO "temporary_import_rows"`);
    await queryRunner.query(
      `CREATE TABLE "import_rows" ("job_id" varchar(36) NOT NULL, "row_index" integer NOT NULL, "line" integer NOT NULL, "cells" text NOT NULL, "email" varchar(320), "name" varchar(200), "role" varchar(16), "company" varchar(200), "groups" text, "verdict" varchar(16) NOT NULL, "reason" varchar(500), "outcome" varchar(16), "outcome_reason" varchar(500), "user_id" varchar(36), PRIMARY KEY ("job_id", "row_index"))`,
    );
    await queryRunner.query(
      `INSERT INTO "import_rows"("job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id") SELECT "job_id", "row_index", "line", "cells", "email", "name", "role", "company", "groups", "verdict", "reason", "outcome", "outcome_reason", "user_id" FROM "temporary_import_rows"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_import_rows"`);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_pending" ON "import_rows" ("job_id", "outcome", "row_index") `);
    await queryRunner.query(`CREATE INDEX "ix_import_rows_verdict" ON "import_rows" ("job_id", "verdict") `);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_account"`);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_state"`);
    await queryRunner.query(`ALTER TABLE "import_jobs" RENAME TO "temporary_import_jobs"`);
    await queryRunner.query(
      `CREATE TABLE "import_jobs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "created_by_person_id" varchar(36), "origin" varchar(8) NOT NULL, "file_name" varchar(255), "file_bytes" integer NOT NULL DEFAULT (0), "state" varchar(16) NOT NULL, "error" varchar(1000), "delimiter" varchar(4), "has_header" boolean NOT NULL DEFAULT (0), "columns" text, "mapping" text, "options" text, "total_rows" integer NOT NULL DEFAULT (0), "processed_rows" integer NOT NULL DEFAULT (0), "outcomes" text, "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3))`,
    );
    await queryRunner.query(
      `INSERT INTO "import_jobs"("id", "account_id", "created_by_person_id", "origin", "file_name", "file_bytes", "state", "error", "delimiter", "has_header", "columns", "mapping", "options", "total_rows", "processed_rows", "outcomes", "lease_owner", "lease_until", "created_at", "started_at", "finished_at") SELECT "id", "account_id", "created_by_person_id", "origin", "file_name", "file_bytes", "state", "error", "delimiter", "has_header", "columns", "mapping", "options", "total_rows", "processed_rows", "outcomes", "lease_owner", "lease_until", "created_at", "started_at", "finished_at" FROM "temporary_import_jobs"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_import_jobs"`);
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_account" ON "import_jobs" ("account_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "ix_import_jobs_state" ON "import_jobs" ("state", "lease_until") `);
    await queryRunner.query(`DROP INDEX "ix_import_rows_pending"`);
    await queryRunner.query(`DROP INDEX "ix_import_rows_verdict"`);
    await queryRunner.query(`DROP TABLE "import_rows"`);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_account"`);
    await queryRunner.query(`DROP INDEX "ix_import_jobs_state"`);
    await queryRunner.query(`DROP TABLE "import_jobs"`);
  }
}
