import type { MigrationInterface, QueryRunner } from 'typeorm';

export class GroupUpdatedAt1796205647745 implements MigrationInterface {
  name = 'GroupUpdatedAt1796205647745';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`user_groups\` ADD \`updated_at\` datetime(3) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`user_groups\` DROP COLUMN \`updated_at\``);
  }
}
