import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSeatLimit1796247602036 implements MigrationInterface {
  name = 'AddSeatLimit1796247602036';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`accounts\` ADD \`seat_limit\` int NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`accounts\` DROP COLUMN \`seat_limit\``);
  }
}
