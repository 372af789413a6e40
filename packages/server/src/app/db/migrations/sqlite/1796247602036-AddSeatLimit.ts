import type { MigrationInterface, QueryRunner } from 'typeorm';

/** accounts.seat_limit (nullable: unlimited), added in place rather than by the generated table rebuild (see AddJobTitle). */
export class AddSeatLimit1796247602036 implements MigrationInterface {
  name = 'AddSeatLimit1796247602036';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounts" ADD COLUMN "seat_limit" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounts" DROP COLUMN "seat_limit"`);
  }
}
