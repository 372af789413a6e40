import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxRetryWindow1796204998952 implements MigrationInterface {
  name = 'OutboxRetryWindow1796204998952';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_outbox_due"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_lease"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_provider"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_invitation"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_batch"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_outbox_emails" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "invitation_id" varchar(36), "to_address" varchar(320) NOT NULL, "subject" varchar(500) NOT NULL, "html" text, "text_body" text, "action_url" varchar(1000), "state" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "batch_key" varchar(64), "transport" varchar(16), "provider_message_id" varchar(100), "last_error" varchar(500), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3), "first_attempt_at" datetime(3), CONSTRAINT "FK_be6473541ac0e76319f33335bc2" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_outbox_emails"("id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at") SELECT "id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at" FROM "outbox_emails"`,
    );
    await queryRunner.query(`DROP TABLE "outbox_emails"`);
    await queryRunner.query(`ALTER TABLE "temporary_outbox_emails" RENAME TO "outbox_emails"`);
    await queryRunner.query(`CREATE INDEX "ix_outbox_due" ON "outbox_emails" ("state", "next_attempt_at") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_lease" ON "outbox_emails" ("lease_owner") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_provider" ON "outbox_emails" ("provider_message_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_invitation" ON "outbox_emails" ("invitation_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_batch" ON "outbox_emails" ("batch_key") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_outbox_batch"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_invitation"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_provider"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_lease"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_due"`);
    await queryRunner.query(`ALTER TABLE "outbox_emails" RENAME TO "temporary_outbox_emails"`);
    await queryRunner.query(
      `CREATE TABLE "outbox_emails" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "invitation_id" varchar(36), "to_address" varchar(320) NOT NULL, "subject" varchar(500) NOT NULL, "html" text, "text_body" text, "action_url" varchar(1000), "state" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "batch_key" varchar(64), "transport" varchar(16), "provider_message_id" varchar(100), "last_error" varchar(500), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3), CONSTRAINT "FK_be6473541ac0e76319f33335bc2" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "outbox_emails"("id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at") SELECT "id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at" FROM "temporary_outbox_emails"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_outbox_emails"`);
    await queryRunner.query(`CREATE INDEX "ix_outbox_batch" ON "outbox_emails" ("batch_key") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_invitation" ON "outbox_emails" ("invitation_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_provider" ON "outbox_emails" ("provider_message_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_lease" ON "outbox_emails" ("lease_owner") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_due" ON "outbox_emails" ("state", "next_attempt_at") `);
  }
}
