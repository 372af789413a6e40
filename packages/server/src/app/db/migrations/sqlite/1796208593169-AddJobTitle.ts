import type { MigrationInterface, QueryRunner } from 'typeorm';

/*
 * Generated, then reviewed: the generator rebuilt both tables through a temporary copy, whose `down`
 * renames `memberships` away and so re-points the foreign keys of the tables that reference it (SQLite
 * rewrites them on RENAME) at a table it then drops. A nullable column needs no rebuild: ADD/DROP COLUMN.
 */
export class AddJobTitle1796208593169 implements MigrationInterface {
  name = 'AddJobTitle1796208593169';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "memberships" ADD COLUMN "job_title" varchar(120)`);
    await queryRunner.query(`ALTER TABLE "import_rows" ADD COLUMN "job_title" varchar(120)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "import_rows" DROP COLUMN "job_title"`);
    await queryRunner.query(`ALTER TABLE "memberships" DROP COLUMN "job_title"`);
  }
}
