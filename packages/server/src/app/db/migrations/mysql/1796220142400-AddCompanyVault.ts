import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddCompanyVault1796220142400 implements MigrationInterface {
  name = 'AddCompanyVault1796220142400';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`vault_items\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`company_id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`username\` varchar(255) NULL, \`url\` varchar(2000) NULL, \`sealed_password\` text NOT NULL, \`sealed_notes\` text NULL, \`sealed_totp_secret\` text NULL, \`integration_id\` varchar(36) NULL, \`upstream_id\` varchar(255) NULL, \`upstream_digest\` varchar(64) NULL, \`upstream_seen_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, \`archived_at\` datetime(3) NULL, UNIQUE INDEX \`uq_vault_items_source\` (\`integration_id\`, \`upstream_id\`), INDEX \`ix_vault_items_company_name\` (\`account_id\`, \`company_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`vault_access\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`company_id\` varchar(36) NOT NULL, \`group_id\` varchar(36) NOT NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_vault_access_company_group\` (\`company_id\`, \`group_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`vault_data_keys\` (\`account_id\` varchar(36) NOT NULL, \`sealed_key\` varchar(255) NOT NULL, \`created_at\` datetime(3) NOT NULL, \`resealed_at\` datetime(3) NULL, PRIMARY KEY (\`account_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_items\` ADD CONSTRAINT \`FK_d406d92dacb8960354e1331fd2e\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_items\` ADD CONSTRAINT \`FK_c6c61af1100edae0ce0122cc50e\` FOREIGN KEY (\`company_id\`) REFERENCES \`companies\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_access\` ADD CONSTRAINT \`FK_23ee8ac3c6816330e44fe15ed26\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_access\` ADD CONSTRAINT \`FK_5932afbe7945d5581602d68d701\` FOREIGN KEY (\`company_id\`) REFERENCES \`companies\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_access\` ADD CONSTRAINT \`FK_c9076c13112a2a928730cf664ff\` FOREIGN KEY (\`group_id\`) REFERENCES \`user_groups\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`vault_data_keys\` ADD CONSTRAINT \`FK_98421e3f26d92915b137f91e9a4\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`vault_data_keys\` DROP FOREIGN KEY \`FK_98421e3f26d92915b137f91e9a4\``);
    await queryRunner.query(`ALTER TABLE \`vault_access\` DROP FOREIGN KEY \`FK_c9076c13112a2a928730cf664ff\``);
    await queryRunner.query(`ALTER TABLE \`vault_access\` DROP FOREIGN KEY \`FK_5932afbe7945d5581602d68d701\``);
    await queryRunner.query(`ALTER TABLE \`vault_access\` DROP FOREIGN KEY \`FK_23ee8ac3c6816330e44fe15ed26\``);
    await queryRunner.query(`ALTER TABLE \`vault_items\` DROP FOREIGN KEY \`FK_c6c61af1100edae0ce0122cc50e\``);
    await queryRunner.query(`ALTER TABLE \`vault_items\` DROP FOREIGN KEY \`FK_d406d92dacb8960354e1331fd2e\``);
    await queryRunner.query(`DROP TABLE \`vault_data_keys\``);
    await queryRunner.query(`DROP INDEX \`uq_vault_access_company_group\` ON \`vault_access\``);
    await queryRunner.query(`DROP TABLE \`vault_access\``);
    await queryRunner.query(`DROP INDEX \`ix_vault_items_company_name\` ON \`vault_items\``);
    await queryRunner.query(`DROP INDEX \`uq_vault_items_source\` ON \`vault_items\``);
    await queryRunner.query(`DROP TABLE \`vault_items\``);
  }
}
