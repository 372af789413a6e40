import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSessionDevices1796247659770 implements MigrationInterface {
  name = 'AddSessionDevices1796247659770';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`user_agent\` varchar(512) NULL`);
    await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`ip\` varchar(45) NULL`);
    await queryRunner.query(`ALTER TABLE \`sessions\` ADD \`last_seen_at\` datetime(3) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`last_seen_at\``);
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`ip\``);
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP COLUMN \`user_agent\``);
  }
}
