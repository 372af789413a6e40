import type { MigrationInterface, QueryRunner } from 'typeorm';

/** New tables only: created with their foreign keys at once (no rebuild through temporary copies). */
export class AddSso1796247760983 implements MigrationInterface {
  name = 'AddSso1796247760983';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sso_connections" ("account_id" varchar(36) PRIMARY KEY NOT NULL, "provider" varchar(16) NOT NULL, "issuer" varchar(500) NOT NULL, "tenant_id" varchar(100), "client_id" varchar(255) NOT NULL, "sealed_client_secret" text NOT NULL, "allowed_domains" text NOT NULL, "sso_only" boolean NOT NULL DEFAULT (0), "updated_at" datetime(3) NOT NULL, CONSTRAINT "FK_206339e4a3ef5dd4cd77df30fb7" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE TABLE "sso_flows" ("state_hash" varchar(64) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, "nonce" varchar(100) NOT NULL, "code_verifier" varchar(100) NOT NULL, "sealed_invitation" text, "return_to" varchar(500), "expires_at" datetime(3) NOT NULL, CONSTRAINT "FK_4682043fbe189bc5e3a7b165a30" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_sso_flows_expires" ON "sso_flows" ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "sso_sessions" ("session_id" varchar(36) PRIMARY KEY NOT NULL, "account_id" varchar(36) NOT NULL, CONSTRAINT "FK_8bbcc6d5658380379dd5b49c60e" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_52ca0338549c0b57c24ec40a4ba" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sso_sessions"`);
    await queryRunner.query(`DROP INDEX "ix_sso_flows_expires"`);
    await queryRunner.query(`DROP TABLE "sso_flows"`);
    await queryRunner.query(`DROP TABLE "sso_connections"`);
  }
}
