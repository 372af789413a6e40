import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SyncRuns1795617599001 implements MigrationInterface {
  name = 'SyncRuns1795617599001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`sync_runs\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`integration_id\` varchar(36) NOT NULL, \`active_key\` varchar(36) NULL, \`state\` varchar(24) NOT NULL, \`stage\` varchar(16) NOT NULL, \`cursor\` text NULL, \`dry_run\` tinyint NOT NULL DEFAULT 0, \`trigger\` varchar(16) NOT NULL, \`removals_confirmed\` tinyint NOT NULL DEFAULT 0, \`pending_suspensions\` int NOT NULL DEFAULT '0', \`counts\` text NOT NULL, \`item_count\` int NOT NULL DEFAULT '0', \`error\` varchar(1000) NULL, \`requested_by\` varchar(36) NULL, \`lease_owner\` varchar(64) NULL, \`lease_until\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, \`started_at\` datetime(3) NULL, \`finished_at\` datetime(3) NULL, INDEX \`ix_sync_runs_state\` (\`state\`, \`lease_until\`), INDEX \`ix_sync_runs_integration\` (\`integration_id\`, \`created_at\`, \`id\`), UNIQUE INDEX \`uq_sync_runs_active\` (\`active_key\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`sync_run_items\` (\`run_id\` varchar(36) NOT NULL, \`position\` int NOT NULL, \`resource_type\` varchar(16) NOT NULL, \`external_id\` varchar(255) NULL, \`label\` varchar(320) NOT NULL, \`action\` varchar(24) NOT NULL, \`local_id\` varchar(36) NULL, \`message\` varchar(1000) NULL, PRIMARY KEY (\`run_id\`, \`position\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`sync_runs\` ADD CONSTRAINT \`FK_69c8434b2fb511c206dc93961e9\` FOREIGN KEY (\`integration_id\`) REFERENCES \`integrations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`sync_run_items\` ADD CONSTRAINT \`FK_eefe9b3e4512d64d67270764aa9\` FOREIGN KEY (\`run_id\`) REFERENCES \`sync_runs\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sync_run_items\` DROP FOREIGN KEY \`FK_eefe9b3e4512d64d67270764aa9\``);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` DROP FOREIGN KEY \`FK_69c8434b2fb511c206dc93961e9\``);
    await queryRunner.query(`DROP TABLE \`sync_run_items\``);
    await queryRunner.query(`DROP INDEX \`uq_sync_runs_active\` ON \`sync_runs\``);
    await queryRunner.query(`DROP INDEX \`ix_sync_runs_integration\` ON \`sync_runs\``);
    await queryRunner.query(`DROP INDEX \`ix_sync_runs_state\` ON \`sync_runs\``);
    await queryRunner.query(`DROP TABLE \`sync_runs\``);
  }
}
