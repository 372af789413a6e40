import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxRetryWindow1796204998952 implements MigrationInterface {
  name = 'OutboxRetryWindow1796204998952';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`outbox_emails\` ADD \`first_attempt_at\` datetime(3) NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`outbox_emails\` DROP COLUMN \`first_attempt_at\``);
  }
}
