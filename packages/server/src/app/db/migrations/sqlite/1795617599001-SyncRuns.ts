import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SyncRuns1795617599001 implements MigrationInterface {
  name = 'SyncRuns1795617599001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sync_runs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "integration_id" varchar(36) NOT NULL, "active_key" varchar(36), "state" varchar(24) NOT NULL, "stage" varchar(16) NOT NULL, "cursor" text, "dry_run" boolean NOT NULL DEFAULT (0), "trigger" varchar(16) NOT NULL, "removals_confirmed" boolean NOT NULL DEFAULT (0), "pending_suspensions" integer NOT NULL DEFAULT (0), "counts" text NOT NULL, "item_count" integer NOT NULL DEFAULT (0), "error" varchar(1000), "requested_by" varchar(36), "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_state" ON "sync_runs" ("state", "lease_until") `);
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_integration" ON "sync_runs" ("integration_id", "created_at", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_sync_runs_active" ON "sync_runs" ("active_key") `);
    await queryRunner.query(
      `CREATE TABLE "sync_run_items" ("run_id" varchar(36) NOT NULL, "position" integer NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "label" varchar(320) NOT NULL, "action" varchar(24) NOT NULL, "local_id" varchar(36), "message" varchar(1000), PRIMARY KEY ("run_id", "position"))`,
    );
    await queryRunner.query(`DROP INDEX "ix_sync_runs_state"`);
    await queryRunner.query(`DROP INDEX "ix_sync_runs_integration"`);
    await queryRunner.query(`DROP INDEX "uq_sync_runs_active"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_sync_runs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "integration_id" varchar(36) NOT NULL, "active_key" varchar(36), "state" varchar(24) NOT NULL, "stage" varchar(16) NOT NULL, "cursor" text, "dry_run" boolean NOT NULL DEFAULT (0), "trigger" varchar(16) NOT NULL, "removals_confirmed" boolean NOT NULL DEFAULT (0), "pending_suspensions" integer NOT NULL DEFAULT (0), "counts" text NOT NULL, "item_count" integer NOT NULL DEFAULT (0), "error" varchar(1000), "requested_by" varchar(36), "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3), CONSTRAINT "FK_69c8434b2fb511c206dc93961e9" FOREIGN KEY ("integration_id") REFERENCES "integrations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_sync_runs"("id", "account_id", "integration_id", "active_key", "state", "stage", "cursor", "dry_run", "trigger", "removals_confirmed", "pending_suspensions", "counts", "item_count", "error", "requested_by", "lease_owner", "lease_until", "created_at", "started_at", "finished_at") SELECT "id", "account_id", "integration_id", "active_key", "state", "stage", "cursor", "dry_run", "trigger", "removals_confirmed", "pending_suspensions", "counts", "item_count", "error", "requested_by", "lease_owner", "lease_until", "created_at", "started_at", "finished_at" FROM "sync_runs"`,
    );
    await queryRunner.query(`DROP TABLE "sync_runs"`);
    await queryRunner.query(`ALTER TABLE "temporary_sync_runs" RENAME TO "sync_runs"`);
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_state" ON "sync_runs" ("state", "lease_until") `);
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_integration" ON "sync_runs" ("integration_id", "created_at", "id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_sync_runs_active" ON "sync_runs" ("active_key") `);
    await queryRunner.query(
      `CREATE TABLE "temporary_sync_run_items" ("run_id" varchar(36) NOT NULL, "position" integer NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "label" varchar(320) NOT NULL, "action" varchar(24) NOT NULL, "local_id" varchar(36), "message" varchar(1000), CONSTRAINT "FK_eefe9b3e4512d64d67270764aa9" FOREIGN KEY ("run_id") REFERENCES "sync_runs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("run_id", "position"))`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_sync_run_items"("run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message") SELECT "run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message" FROM "sync_run_items"`,
    );
    await queryRunner.query(`DROP TABLE "sync_run_items"`);
    await queryRunner.query(`ALTER TABLE "temporary_sync_run_items" RENAME TO "sync_run_items"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_run_items" RENAME TO "temporary_sync_run_items"`);
    await queryRunner.query(
      `CREATE TABLE "sync_run_items" ("run_id" varchar(36) NOT NULL, "position" integer NOT NULL, "resource_type" varchar(16) NOT NULL, "external_id" varchar(255), "label" varchar(320) NOT NULL, "action" varchar(24) NOT NULL, "local_id" varchar(36), "message" varchar(1000), PRIMARY KEY ("run_id", "position"))`,
    );
    await queryRunner.query(
      `INSERT INTO "sync_run_items"("run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message") SELECT "run_id", "position", "resource_type", "external_id", "label", "action", "local_id", "message" FROM "temporary_sync_run_items"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_sync_run_items"`);
    await queryRunner.query(`DROP INDEX "uq_sync_runs_active"`);
    await queryRunner.query(`DROP INDEX "ix_sync_runs_integration"`);
    await queryRunner.query(`DROP INDEX "ix_sync_runs_state"`);
    await queryRunner.query(`ALTER TABLE "sync_runs" RENAME TO "temporary_sync_runs"`);
    await queryRunner.query(
      `CREATE TABLE "sync_runs" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "integration_id" varchar(36) NOT NULL, "active_key" varchar(36), "state" varchar(24) NOT NULL, "stage" varchar(16) NOT NULL, "cursor" text, "dry_run" boolean NOT NULL DEFAULT (0), "trigger" varchar(16) NOT NULL, "removals_confirmed" boolean NOT NULL DEFAULT (0), "pending_suspensions" integer NOT NULL DEFAULT (0), "counts" text NOT NULL, "item_count" integer NOT NULL DEFAULT (0), "error" varchar(1000), "requested_by" varchar(36), "lease_owner" varchar(64), "lease_until" datetime(3), "created_at" datetime(3) NOT NULL, "started_at" datetime(3), "finished_at" datetime(3))`,
    );
    await queryRunner.query(
      `INSERT INTO "sync_runs"("id", "account_id", "integration_id", "active_key", "state", "stage", "cursor", "dry_run", "trigger", "removals_confirmed", "pending_suspensions", "counts", "item_count", "error", "requested_by", "lease_owner", "lease_until", "created_at", "started_at", "finished_at") SELECT "id", "account_id", "integration_id", "active_key", "state", "stage", "cursor", "dry_run", "trigger", "removals_confirmed", "pending_suspensions", "counts", "item_count", "error", "requested_by", "lease_owner", "lease_until", "created_at", "started_at", "finished_at" FROM "temporary_sync_runs"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_sync_runs"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_sync_runs_active" ON "sync_runs" ("active_key") `);
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_integration" ON "sync_runs" ("integration_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_sync_runs_state" ON "sync_runs" ("state", "lease_until") `);
    await queryRunner.query(`DROP TABLE "sync_run_items"`);
    await queryRunner.query(`DROP INDEX "uq_sync_runs_active"`);
    await queryRunner.query(`DROP INDEX "ix_sync_runs_integration"`);
    await queryRunner.query(`DROP INDEX "ix_sync_runs_state"`);
    await queryRunner.query(`DROP TABLE "sync_runs"`);
  }
}
