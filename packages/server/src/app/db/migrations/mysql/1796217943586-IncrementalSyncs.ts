import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IncrementalSyncs1796217943586 implements MigrationInterface {
  name = 'IncrementalSyncs1796217943586';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`integrations\` ADD \`sync_state\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`external_links\` ADD \`upstream_removed_at\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` ADD \`incremental\` tinyint NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` ADD \`changes_links\` text NULL`);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` ADD \`note\` varchar(1000) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sync_runs\` DROP COLUMN \`note\``);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` DROP COLUMN \`changes_links\``);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` DROP COLUMN \`incremental\``);
    await queryRunner.query(`ALTER TABLE \`external_links\` DROP COLUMN \`upstream_removed_at\``);
    await queryRunner.query(`ALTER TABLE \`integrations\` DROP COLUMN \`sync_state\``);
  }
}
