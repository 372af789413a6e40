import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RequestIds1796248658265 implements MigrationInterface {
  name = 'RequestIds1796248658265';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`import_jobs\` ADD \`request_id\` varchar(128) NULL`);
    await queryRunner.query(`ALTER TABLE \`sync_runs\` ADD \`request_id\` varchar(128) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sync_runs\` DROP COLUMN \`request_id\``);
    await queryRunner.query(`ALTER TABLE \`import_jobs\` DROP COLUMN \`request_id\``);
  }
}
