import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * sessions.user_agent, ip and last_seen_at (all nullable: sessions opened before have none), added in place rather
 * than by the generated table rebuild (see AddJobTitle).
 */
export class AddSessionDevices1796247659770 implements MigrationInterface {
  name = 'AddSessionDevices1796247659770';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "user_agent" varchar(512)`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "ip" varchar(45)`);
    await queryRunner.query(`ALTER TABLE "sessions" ADD COLUMN "last_seen_at" datetime(3)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "last_seen_at"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "ip"`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP COLUMN "user_agent"`);
  }
}
