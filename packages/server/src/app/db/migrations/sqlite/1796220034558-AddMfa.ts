import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Hand-trimmed: new tables are created with their foreign keys, new columns added in place (no table rebuilds). */
export class AddMfa1796220034558 implements MigrationInterface {
  name = 'AddMfa1796220034558';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mfa_factors" ("id" varchar(36) PRIMARY KEY NOT NULL, "person_id" varchar(36) NOT NULL, "kind" varchar(16) NOT NULL, "label" varchar(100) NOT NULL, "sealed_secret" text, "last_time_step" integer, "credential_id" varchar(512), "public_key" text, "sign_count" integer NOT NULL DEFAULT (0), "transports" varchar(200), "confirmed_at" datetime(3), "last_used_at" datetime(3), "created_at" datetime(3) NOT NULL, CONSTRAINT "UQ_d94d64354ffb3d4598460fe7a13" UNIQUE ("credential_id"), CONSTRAINT "FK_499dbebe934b86f7a18a31f02b7" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_mfa_factors_person" ON "mfa_factors" ("person_id") `);
    await queryRunner.query(
      `CREATE TABLE "mfa_recovery_codes" ("id" varchar(36) PRIMARY KEY NOT NULL, "person_id" varchar(36) NOT NULL, "code_hash" varchar(64) NOT NULL, "used_at" datetime(3), "created_at" datetime(3) NOT NULL, CONSTRAINT "FK_fc915fd597927efeccfab617ceb" FOREIGN KEY ("person_id") REFERENCES "people" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_mfa_recovery_codes_person" ON "mfa_recovery_codes" ("person_id") `);
    await queryRunner.query(
      `CREATE TABLE "webauthn_challenges" ("id" varchar(36) PRIMARY KEY NOT NULL, "challenge" varchar(128) NOT NULL, "person_id" varchar(36), "expires_at" datetime(3) NOT NULL)`,
    );
    await queryRunner.query(`ALTER TABLE "accounts" ADD COLUMN "require_mfa" varchar(16) NOT NULL DEFAULT ('NONE')`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "mfa_pending" varchar(32)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "mfa_pending"`);
    await queryRunner.query(`ALTER TABLE "accounts" DROP COLUMN "require_mfa"`);
    await queryRunner.query(`DROP TABLE "webauthn_challenges"`);
    await queryRunner.query(`DROP INDEX "ix_mfa_recovery_codes_person"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP INDEX "ix_mfa_factors_person"`);
    await queryRunner.query(`DROP TABLE "mfa_factors"`);
  }
}
