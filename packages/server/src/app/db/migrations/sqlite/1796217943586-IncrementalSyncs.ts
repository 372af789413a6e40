import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated, then hand-edited: the generator rebuilt the three tables through temporary copies, whose `down` breaks the
 * foreign keys of the tables that reference them (sync_run_items, and every table referencing integrations). Each
 * change is one added column, which SQLite's ALTER TABLE does in place (DROP COLUMN since SQLite 3.35).
 */
export class IncrementalSyncs1796217943586 implements MigrationInterface {
  name = 'IncrementalSyncs1796217943586';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integrations" ADD COLUMN "sync_state" text`);
    await queryRunner.query(`ALTER TABLE "external_links" ADD COLUMN "upstream_removed_at" datetime(3)`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD COLUMN "incremental" boolean NOT NULL DEFAULT (0)`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD COLUMN "changes_links" text`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD COLUMN "note" varchar(1000)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "note"`);
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "changes_links"`);
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "incremental"`);
    await queryRunner.query(`ALTER TABLE "external_links" DROP COLUMN "upstream_removed_at"`);
    await queryRunner.query(`ALTER TABLE "integrations" DROP COLUMN "sync_state"`);
  }
}
