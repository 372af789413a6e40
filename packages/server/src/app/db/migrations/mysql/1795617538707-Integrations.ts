import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Integrations1795617538707 implements MigrationInterface {
  name = 'Integrations1795617538707';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`integrations\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`type\` varchar(32) NOT NULL, \`name\` varchar(200) NOT NULL, \`status\` varchar(16) NOT NULL, \`sealed_credentials\` text NULL, \`options\` text NOT NULL, \`scim_token_hash\` varchar(64) NULL, \`scim_token_prefix\` varchar(16) NULL, \`scim_token_rotated_at\` datetime(3) NULL, \`sync_interval_minutes\` int NULL, \`last_sync_at\` datetime(3) NULL, \`next_sync_at\` datetime(3) NULL, \`last_error\` varchar(1000) NULL, \`created_by\` varchar(36) NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_integrations_scim_token\` (\`scim_token_hash\`), INDEX \`ix_integrations_account\` (\`account_id\`, \`created_at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`external_links\` (\`id\` varchar(36) NOT NULL, \`integration_id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`resource_type\` varchar(16) NOT NULL, \`external_id\` varchar(255) NULL, \`local_id\` varchar(36) NOT NULL, \`fingerprint\` varchar(64) NULL, \`attributes\` text NULL, \`last_seen_at\` datetime(3) NOT NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`ix_external_links_local\` (\`integration_id\`, \`resource_type\`, \`local_id\`), UNIQUE INDEX \`uq_external_links_key\` (\`integration_id\`, \`resource_type\`, \`external_id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`integrations\` ADD CONSTRAINT \`FK_ed0bc8399bf93f3e28f21e8fe06\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`external_links\` ADD CONSTRAINT \`FK_cc88852f1602727725bb795ef9a\` FOREIGN KEY (\`integration_id\`) REFERENCES \`integrations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`external_links\` DROP FOREIGN KEY \`FK_cc88852f1602727725bb795ef9a\``);
    await queryRunner.query(`ALTER TABLE \`integrations\` DROP FOREIGN KEY \`FK_ed0bc8399bf93f3e28f21e8fe06\``);
    await queryRunner.query(`DROP INDEX \`uq_external_links_key\` ON \`external_links\``);
    await queryRunner.query(`DROP INDEX \`ix_external_links_local\` ON \`external_links\``);
    await queryRunner.query(`DROP TABLE \`external_links\``);
    await queryRunner.query(`DROP INDEX \`ix_integrations_account\` ON \`integrations\``);
    await queryRunner.query(`DROP INDEX \`uq_integrations_scim_token\` ON \`integrations\``);
    await queryRunner.query(`DROP TABLE \`integrations\``);
  }
}
