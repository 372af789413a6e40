import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Invitations1795609618303 implements MigrationInterface {
  name = 'Invitations1795609618303';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "invitations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "membership_id" varchar(36), "email" varchar(320) NOT NULL, "token_hash" varchar(64) NOT NULL, "state" varchar(16) NOT NULL, "revoke_reason" varchar(16), "role" varchar(16) NOT NULL, "company_id" varchar(36), "group_ids" text, "invited_by_person_id" varchar(36), "send_email" boolean NOT NULL, "delivery_status" varchar(16) NOT NULL, "delivery_error" varchar(500), "last_sent_at" datetime(3), "send_count" integer NOT NULL DEFAULT (0), "expires_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL, "accepted_at" datetime(3), "revoked_at" datetime(3), "expiry_recorded_at" datetime(3), CONSTRAINT "UQ_872ac94a64b3d44fc4b554780cd" UNIQUE ("token_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_invitations_expiry" ON "invitations" ("state", "expires_at") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_account" ON "invitations" ("account_id", "state") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_membership" ON "invitations" ("membership_id", "state") `);
    await queryRunner.query(
      `CREATE TABLE "outbox_emails" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "invitation_id" varchar(36), "to_address" varchar(320) NOT NULL, "subject" varchar(500) NOT NULL, "html" text, "text_body" text, "action_url" varchar(1000), "state" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "batch_key" varchar(64), "transport" varchar(16), "provider_message_id" varchar(100), "last_error" varchar(500), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_outbox_batch" ON "outbox_emails" ("batch_key") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_invitation" ON "outbox_emails" ("invitation_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_provider" ON "outbox_emails" ("provider_message_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_lease" ON "outbox_emails" ("lease_owner") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_due" ON "outbox_emails" ("state", "next_attempt_at") `);
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "actor_type" varchar(16) NOT NULL, "actor_id" varchar(36), "action" varchar(64) NOT NULL, "target_id" varchar(36), "target_email" varchar(320), "details" text, "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_audit_account_time" ON "audit_events" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_invitations_expiry"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_account"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_membership"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_invitations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "membership_id" varchar(36), "email" varchar(320) NOT NULL, "token_hash" varchar(64) NOT NULL, "state" varchar(16) NOT NULL, "revoke_reason" varchar(16), "role" varchar(16) NOT NULL, "company_id" varchar(36), "group_ids" text, "invited_by_person_id" varchar(36), "send_email" boolean NOT NULL, "delivery_status" varchar(16) NOT NULL, "delivery_error" varchar(500), "last_sent_at" datetime(3), "send_count" integer NOT NULL DEFAULT (0), "expires_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL, "accepted_at" datetime(3), "revoked_at" datetime(3), "expiry_recorded_at" datetime(3), CONSTRAINT "UQ_872ac94a64b3d44fc4b554780cd" UNIQUE ("token_hash"), CONSTRAINT "FK_84433480afca16f777aed2c445c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_39772d84b4df08bd411860b0fb1" FOREIGN KEY ("membership_id") REFERENCES "memberships" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_invitations"("id", "account_id", "membership_id", "email", "token_hash", "state", "revoke_reason", "role", "company_id", "group_ids", "invited_by_person_id", "send_email", "delivery_status", "delivery_error", "last_sent_at", "send_count", "expires_at", "created_at", "accepted_at", "revoked_at", "expiry_recorded_at") SELECT "id", "account_id", "membership_id", "email", "token_hash", "state", "revoke_reason", "role", "company_id", "group_ids", "invited_by_person_id", "send_email", "delivery_status", "delivery_error", "last_sent_at", "send_count", "expires_at", "created_at", "accepted_at", "revoked_at", "expiry_recorded_at" FROM "invitations"`,
    );
    await queryRunner.query(`DROP TABLE "invitations"`);
    await queryRunner.query(`ALTER TABLE "temporary_invitations" RENAME TO "invitations"`);
    await queryRunner.query(`CREATE INDEX "ix_invitations_expiry" ON "invitations" ("state", "expires_at") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_account" ON "invitations" ("account_id", "state") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_membership" ON "invitations" ("membership_id", "state") `);
    await queryRunner.query(`DROP INDEX "ix_outbox_batch"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_invitation"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_provider"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_lease"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_due"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_outbox_emails" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "invitation_id" varchar(36), "to_address" varchar(320) NOT NULL, "subject" varchar(500) NOT NULL, "html" text, "text_body" text, "action_url" varchar(1000), "state" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "batch_key" varchar(64), "transport" varchar(16), "provider_message_id" varchar(100), "last_error" varchar(500), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3), CONSTRAINT "FK_be6473541ac0e76319f33335bc2" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_outbox_emails"("id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at") SELECT "id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at" FROM "outbox_emails"`,
    );
    await queryRunner.query(`DROP TABLE "outbox_emails"`);
    await queryRunner.query(`ALTER TABLE "temporary_outbox_emails" RENAME TO "outbox_emails"`);
    await queryRunner.query(`CREATE INDEX "ix_outbox_batch" ON "outbox_emails" ("batch_key") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_invitation" ON "outbox_emails" ("invitation_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_provider" ON "outbox_emails" ("provider_message_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_lease" ON "outbox_emails" ("lease_owner") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_due" ON "outbox_emails" ("state", "next_attempt_at") `);
    await queryRunner.query(`DROP INDEX "ix_audit_account_time"`);
    await queryRunner.query(
      `CREATE TABLE "temporary_audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "actor_type" varchar(16) NOT NULL, "actor_id" varchar(36), "action" varchar(64) NOT NULL, "target_id" varchar(36), "target_email" varchar(320), "details" text, "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_6146db29a3560ce8f5f76384c9c" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `INSERT INTO "temporary_audit_events"("id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at") SELECT "id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at" FROM "audit_events"`,
    );
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`ALTER TABLE "temporary_audit_events" RENAME TO "audit_events"`);
    await queryRunner.query(`CREATE INDEX "ix_audit_account_time" ON "audit_events" ("account_id", "created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_audit_account_time"`);
    await queryRunner.query(`ALTER TABLE "audit_events" RENAME TO "temporary_audit_events"`);
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "actor_type" varchar(16) NOT NULL, "actor_id" varchar(36), "action" varchar(64) NOT NULL, "target_id" varchar(36), "target_email" varchar(320), "details" text, "created_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "audit_events"("id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at") SELECT "id", "account_id", "actor_type", "actor_id", "action", "target_id", "target_email", "details", "created_at" FROM "temporary_audit_events"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_audit_events"`);
    await queryRunner.query(`CREATE INDEX "ix_audit_account_time" ON "audit_events" ("account_id", "created_at") `);
    await queryRunner.query(`DROP INDEX "ix_outbox_due"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_lease"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_provider"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_invitation"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_batch"`);
    await queryRunner.query(`ALTER TABLE "outbox_emails" RENAME TO "temporary_outbox_emails"`);
    await queryRunner.query(
      `CREATE TABLE "outbox_emails" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "invitation_id" varchar(36), "to_address" varchar(320) NOT NULL, "subject" varchar(500) NOT NULL, "html" text, "text_body" text, "action_url" varchar(1000), "state" varchar(16) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime(3) NOT NULL, "lease_owner" varchar(64), "lease_until" datetime(3), "batch_key" varchar(64), "transport" varchar(16), "provider_message_id" varchar(100), "last_error" varchar(500), "created_at" datetime(3) NOT NULL, "sent_at" datetime(3))`,
    );
    await queryRunner.query(
      `INSERT INTO "outbox_emails"("id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at") SELECT "id", "account_id", "invitation_id", "to_address", "subject", "html", "text_body", "action_url", "state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "batch_key", "transport", "provider_message_id", "last_error", "created_at", "sent_at" FROM "temporary_outbox_emails"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_outbox_emails"`);
    await queryRunner.query(`CREATE INDEX "ix_outbox_due" ON "outbox_emails" ("state", "next_attempt_at") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_lease" ON "outbox_emails" ("lease_owner") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_provider" ON "outbox_emails" ("provider_message_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_invitation" ON "outbox_emails" ("invitation_id") `);
    await queryRunner.query(`CREATE INDEX "ix_outbox_batch" ON "outbox_emails" ("batch_key") `);
    await queryRunner.query(`DROP INDEX "ix_invitations_membership"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_account"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_expiry"`);
    await queryRunner.query(`ALTER TABLE "invitations" RENAME TO "temporary_invitations"`);
    await queryRunner.query(
      `CREATE TABLE "invitations" ("id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "membership_id" varchar(36), "email" varchar(320) NOT NULL, "token_hash" varchar(64) NOT NULL, "state" varchar(16) NOT NULL, "revoke_reason" varchar(16), "role" varchar(16) NOT NULL, "company_id" varchar(36), "group_ids" text, "invited_by_person_id" varchar(36), "send_email" boolean NOT NULL, "delivery_status" varchar(16) NOT NULL, "delivery_error" varchar(500), "last_sent_at" datetime(3), "send_count" integer NOT NULL DEFAULT (0), "expires_at" datetime(3) NOT NULL, "created_at" datetime(3) NOT NULL, "accepted_at" datetime(3), "revoked_at" datetime(3), "expiry_recorded_at" datetime(3), CONSTRAINT "UQ_872ac94a64b3d44fc4b554780cd" UNIQUE ("token_hash"))`,
    );
    await queryRunner.query(
      `INSERT INTO "invitations"("id", "account_id", "membership_id", "email", "token_hash", "state", "revoke_reason", "role", "company_id", "group_ids", "invited_by_person_id", "send_email", "delivery_status", "delivery_error", "last_sent_at", "send_count", "expires_at", "created_at", "accepted_at", "revoked_at", "expiry_recorded_at") SELECT "id", "account_id", "membership_id", "email", "token_hash", "state", "revoke_reason", "role", "company_id", "group_ids", "invited_by_person_id", "send_email", "delivery_status", "delivery_error", "last_sent_at", "send_count", "expires_at", "created_at", "accepted_at", "revoked_at", "expiry_recorded_at" FROM "temporary_invitations"`,
    );
    await queryRunner.query(`DROP TABLE "temporary_invitations"`);
    await queryRunner.query(`CREATE INDEX "ix_invitations_membership" ON "invitations" ("membership_id", "state") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_account" ON "invitations" ("account_id", "state") `);
    await queryRunner.query(`CREATE INDEX "ix_invitations_expiry" ON "invitations" ("state", "expires_at") `);
    await queryRunner.query(`DROP INDEX "ix_audit_account_time"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_due"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_lease"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_provider"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_invitation"`);
    await queryRunner.query(`DROP INDEX "ix_outbox_batch"`);
    await queryRunner.query(`DROP TABLE "outbox_emails"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_membership"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_account"`);
    await queryRunner.query(`DROP INDEX "ix_invitations_expiry"`);
    await queryRunner.query(`DROP TABLE "invitations"`);
  }
}
