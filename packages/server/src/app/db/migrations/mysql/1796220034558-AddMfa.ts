import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddMfa1796220034558 implements MigrationInterface {
  name = 'AddMfa1796220034558';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`mfa_factors\` (\`id\` varchar(36) NOT NULL, \`person_id\` varchar(36) NOT NULL, \`kind\` varchar(16) NOT NULL, \`label\` varchar(100) NOT NULL, \`sealed_secret\` text NULL, \`last_time_step\` int NULL, \`credential_id\` varchar(512) NULL, \`public_key\` text NULL, \`sign_count\` int NOT NULL DEFAULT '0', \`transports\` varchar(200) NULL, \`confirmed_at\` datetime(3) NULL, \`last_used_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`ix_mfa_factors_person\` (\`person_id\`), UNIQUE INDEX \`IDX_d94d64354ffb3d4598460fe7a1\` (\`credential_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`mfa_recovery_codes\` (\`id\` varchar(36) NOT NULL, \`person_id\` varchar(36) NOT NULL, \`code_hash\` varchar(64) NOT NULL, \`used_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`ix_mfa_recovery_codes_person\` (\`person_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`webauthn_challenges\` (\`id\` varchar(36) NOT NULL, \`challenge\` varchar(128) NOT NULL, \`person_id\` varchar(36) NULL, \`expires_at\` datetime(3) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`ALTER TABLE \`accounts\` ADD \`require_mfa\` varchar(16) NOT NULL DEFAULT 'NONE'`);
    await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`mfa_pending\` varchar(32) NULL`);
    await queryRunner.query(
      `ALTER TABLE \`mfa_factors\` ADD CONSTRAINT \`FK_499dbebe934b86f7a18a31f02b7\` FOREIGN KEY (\`person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`mfa_recovery_codes\` ADD CONSTRAINT \`FK_fc915fd597927efeccfab617ceb\` FOREIGN KEY (\`person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`mfa_recovery_codes\` DROP FOREIGN KEY \`FK_fc915fd597927efeccfab617ceb\``);
    await queryRunner.query(`ALTER TABLE \`mfa_factors\` DROP FOREIGN KEY \`FK_499dbebe934b86f7a18a31f02b7\``);
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`mfa_pending\``);
    await queryRunner.query(`ALTER TABLE \`accounts\` DROP COLUMN \`require_mfa\``);
    await queryRunner.query(`DROP TABLE \`webauthn_challenges\``);
    await queryRunner.query(`DROP INDEX \`ix_mfa_recovery_codes_person\` ON \`mfa_recovery_codes\``);
    await queryRunner.query(`DROP TABLE \`mfa_recovery_codes\``);
    await queryRunner.query(`DROP INDEX \`IDX_d94d64354ffb3d4598460fe7a1\` ON \`mfa_factors\``);
    await queryRunner.query(`DROP INDEX \`ix_mfa_factors_person\` ON \`mfa_factors\``);
    await queryRunner.query(`DROP TABLE \`mfa_factors\``);
  }
}
