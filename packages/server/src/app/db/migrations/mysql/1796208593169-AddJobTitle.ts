import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobTitle1796208593169 implements MigrationInterface {
  name = 'AddJobTitle1796208593169';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`memberships\` ADD \`job_title\` varchar(120) NULL`);
    await queryRunner.query(`ALTER TABLE \`import_rows\` ADD \`job_title\` varchar(120) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`import_rows\` DROP COLUMN \`job_title\``);
    await queryRunner.query(`ALTER TABLE \`memberships\` DROP COLUMN \`job_title\``);
  }
}
