import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLogAndWebhooks1795618212844 implements MigrationInterface {
  name = 'AuditLogAndWebhooks1795618212844';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "url" varchar(2000) NOT NULL, "description" varchar(500), "events" varchar(1000) NOT NULL, "sealed_secret" text NOT NULL, "secret_prefix" varchar(16) NOT NULL, "enabled" boolean NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "secret_rolled_at" datetime(3))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_webhook_endpoints_account" ON "webhook_endpoints" ("account_id", "created_at", "id") `);
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "endpoint_id" varchar(36) NOT NULL, "event_id" varchar(36) NOT NULL, "event_type" varchar(64) NOT NULL, "payload" text NOT NULL, "state" varchar(16) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "response_status" integer, "response_body" varchar(1000), "duration_ms" integer, "last_error" varchar(1000), "created_at" datetime(3) NOT NULL, "last_attempt_at" datetime(3), "delivered_at" datetime(3))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("state", "next_attempt_at") `);
    await queryRunner.query(`DROP INDEX "ix_audit_account_time"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "actor_type" varchar(16) NOT NULL, "actor_id" varchar(36), "action" varchar(64) NOT NULL, "target_id" varchar(36), "target_email" varchar(320), "details" text, "created_at" datetime(3) NOT NULL, "ip" varchar(45), CONSTRAINT "FK_6146db29a3560ce8f5f76384c9c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_audit_events"("id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at") SELECT "id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at" FROM "audit_events"`,
    );
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`ALTER TABLE "temporary_audit_events" RENAME TO "audit_events"`);
    await queryRunner.query(`CREATE INDEX "ix_audit_account_time" ON "audit_events" ("account_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "ix_audit_account_target" ON "audit_events" ("account_id", "target_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_webhook_endpoints_account"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "url" varchar(2000) NOT NULL, "description" varchar(500), "events" varchar(1000) NOT NULL, "sealed_secret" text NOT NULL, "secret_prefix" varchar(16) NOT NULL, "enabled" boolean NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "secret_rolled_at" datetime(3), CONSTRAINT "FK_4d6b730495c4aea409766707c49" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_41a2ee777fe96900f620ba800d1" FOREIGN KEY ("created_by_person_id") REFERENCES "people" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_webhook_endpoints"("id", "account_id", "url", "description", "events", "sealed_secret", "secret_prefix", "enabled", "created_by_person_id", "created_at", "updated_at", "secret_rolled_at") SELECT "id", "account_id", "url", "description", "events", "sealed_secret", "secret_prefix", "enabled", "created_by_person_id", "created_at", "updated_at", "secret_rolled_at" FROM "webhook_endpoints"`,
    );
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
    await queryRunner.query(`ALTER TABLE "temporary_webhook_endpoints" RENAME TO "webhook_endpoints"`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_endpoints_account" ON "webhook_endpoints" ("account_id", "created_at", "id") `);
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_endpoint"`);
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_due"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_webhook_deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "endpoint_id" varchar(36) NOT NULL, "event_id" varchar(36) NOT NULL, "event_type" varchar(64) NOT NULL, "payload" text NOT NULL, "state" varchar(16) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "response_status" integer, "response_body" varchar(1000), "duration_ms" integer, "last_error" varchar(1000), "created_at" datetime(3) NOT NULL, "last_attempt_at" datetime(3), "delivered_at" datetime(3), CONSTRAINT "FK_198873590dd372c0bb12ff2a248" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_0b882c26a9b91c26e6e86b4867c" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_webhook_deliveries"("id", "account_id", "endpoint_id", "event_id", "event_type", "payload", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "response_status", "response_body", "duration_ms", "last_error", "created_at", "last_attempt_at", "delivered_at") SELECT "id", "account_id", "endpoint_id", "event_id", "event_type", "payload", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "response_status", "response_body", "duration_ms", "last_error", "created_at", "last_attempt_at", "delivered_at" FROM "webhook_deliveries"`,
    );
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`ALTER TABLE "temporary_webhook_deliveries" RENAME TO "webhook_deliveries"`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("state", "next_attempt_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_due"`);
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_endpoint"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" RENAME TO "temporary_webhook_deliveries"`);
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "endpoint_id" varchar(36) NOT NULL, "event_id" varchar(36) NOT NULL, "event_type" varchar(64) NOT NULL, "payload" text NOT NULL, "state" varchar(16) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "response_status" integer, "response_body" varchar(1000), "duration_ms" integer, "last_error" varchar(1000), "created_at" datetime(3) NOT NULL, "last_attempt_at" datetime(3), "delivered_at" datetime(3))`,
    );
    await queryRunner.query(
      `INSERT INTO "webhook_deliveries"("id", "account_id", "endpoint_id", "event_id", "event_type", "payload", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "response_status", "response_body", "duration_ms", "last_error", "created_at", "last_attempt_at", "delivered_at") SELECT "id", "account_id", "endpoint_id", "event_id", "event_type", "payload", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "response_status", "response_body", "duration_ms", "last_error", "created_at", "last_attempt_at", "delivered_at" FROM "temporary_webhook_deliveries"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_webhook_deliveries"`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("state", "next_attempt_at") `);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "created_at", "id") `);
    await queryRunner.query(`DROP INDEX "ix_webhook_endpoints_account"`);
    await queryRunner.query(`ALTER TABLE "webhook_endpoints" RENAME TO "temporary_webhook_endpoints"`);
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "url" varchar(2000) NOT NULL, "description" varchar(500), "events" varchar(1000) NOT NULL, "sealed_secret" text NOT NULL, "secret_prefix" varchar(16) NOT NULL, "enabled" boolean NOT NULL, "created_by_person_id" varchar(36), "created_at" datetime(3) NOT NULL, "updated_at" datetime(3) NOT NULL, "secret_rolled_at" datetime(3))`,
    );
    await queryRunner.query(
      `INSERT INTO "webhook_endpoints"("id", "account_id", "url", "description", "events", "sealed_secret", "secret_prefix", "enabled", "created_by_person_id", "created_at", "updated_at", "secret_rolled_at") SELECT "id", "account_id", "url", "description", "events", "sealed_secret", "secret_prefix", "enabled", "created_by_person_id", "created_at", "updated_at", "secret_rolled_at" FROM "temporary_webhook_endpoints"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_webhook_endpoints"`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_endpoints_account" ON "webhook_endpoints" ("account_id", "created_at", "id") `);
    await queryRunner.query(`DROP INDEX "ix_audit_account_target"`);
    await queryRunner.query(`DROP INDEX "ix_audit_account_time"`);
    await queryRunner.query(`ALTER TABLE "audit_events" RENAME TO "temporary_audit_events"`);
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "actor_type" varchar(16) NOT NULL, "actor_id" varchar(36), "action" varchar(64) NOT NULL, "target_id" varchar(36), "target_email" varchar(320), "details" text, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_6146db29a3560ce8f5f76384c9c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "audit_events"("id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at") SELECT "id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at" FROM "temporary_audit_events"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_audit_events"`);
    await queryRunner.query(`CREATE INDEX "ix_audit_account_time" ON "audit_events" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_due"`);
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_endpoint"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "ix_webhook_endpoints_account"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
