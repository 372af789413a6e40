import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1795617881503 implements MigrationInterface {
  name = 'ApiKeys1795617881503';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`api_keys\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`name\` varchar(100) NOT NULL, \`scopes\` varchar(500) NOT NULL, \`prefix\` varchar(12) NOT NULL, \`secret_hash\` varchar(64) NOT NULL, \`created_by_person_id\` varchar(36) NULL, \`created_at\` datetime(3) NOT NULL, \`expires_at\` datetime(3) NULL, \`last_used_at\` datetime(3) NULL, \`revoked_at\` datetime(3) NULL, INDEX \`ix_api_keys_account_created\` (\`account_id\`, \`created_at\`), UNIQUE INDEX \`IDX_6f6105c8efe05b310d046cbdb3\` (\`prefix\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`api_keys\` ADD CONSTRAINT \`FK_decaf331589778e33441b2a8d9e\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`api_keys\` ADD CONSTRAINT \`FK_6089db0e9770f797b5d61b59c64\` FOREIGN KEY (\`created_by_person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`api_keys\` DROP FOREIGN KEY \`FK_6089db0e9770f797b5d61b59c64\``);
    await queryRunner.query(`ALTER TABLE \`api_keys\` DROP FOREIGN KEY \`FK_decaf331589778e33441b2a8d9e\``);
    await queryRunner.query(`DROP INDEX \`IDX_6f6105c8efe05b310d046cbdb3\` ON \`api_keys\``);
    await queryRunner.query(`DROP INDEX \`ix_api_keys_account_created\` ON \`api_keys\``);
    await queryRunner.query(`DROP TABLE \`api_keys\``);
  }
}
