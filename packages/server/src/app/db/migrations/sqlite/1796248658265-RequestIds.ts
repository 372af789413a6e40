import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * import_jobs.request_id and sync_runs.request_id (nullable): the X-Request-Id of the request that started the
 * work, so the workers' log lines carry it. Added in place rather than by the generated table rebuilds (see AddJobTitle).
 */
export class RequestIds1796248658265 implements MigrationInterface {
  name = 'RequestIds1796248658265';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "import_jobs" ADD COLUMN "request_id" varchar(128)`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD COLUMN "request_id" varchar(128)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "request_id"`);
    await queryRunner.query(`ALTER TABLE "import_jobs" DROP COLUMN "request_id"`);
  }
}
