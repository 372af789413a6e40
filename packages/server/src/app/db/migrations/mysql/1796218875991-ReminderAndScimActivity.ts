import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReminderAndScimActivity1796218875991 implements MigrationInterface {
  name = 'ReminderAndScimActivity1796218875991';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`scim_request_errors\` (\`id\` varchar(36) NOT NULL, \`integration_id\` varchar(36) NOT NULL, \`method\` varchar(8) NOT NULL, \`path\` varchar(300) NOT NULL, \`status\` int NOT NULL, \`scim_type\` varchar(32) NULL, \`detail\` varchar(500) NOT NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`ix_scim_request_errors_integration\` (\`integration_id\`, \`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`ALTER TABLE \`accounts\` ADD \`invitation_reminder_days\` int NULL`);
    await queryRunner.query(`ALTER TABLE \`invitations\` ADD \`reminder_sent_at\` datetime(3) NULL`);
    await queryRunner.query(`ALTER TABLE \`integrations\` ADD \`last_request_at\` datetime(3) NULL`);
    await queryRunner.query(
      `ALTER TABLE \`scim_request_errors\` ADD CONSTRAINT \`FK_38672d1a8ccbfcfab37e4b2d230\` FOREIGN KEY (\`integration_id\`) REFERENCES \`integrations\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`scim_request_errors\` DROP FOREIGN KEY \`FK_38672d1a8ccbfcfab37e4b2d230\``);
    await queryRunner.query(`ALTER TABLE \`integrations\` DROP COLUMN \`last_request_at\``);
    await queryRunner.query(`ALTER TABLE \`invitations\` DROP COLUMN \`reminder_sent_at\``);
    await queryRunner.query(`ALTER TABLE \`accounts\` DROP COLUMN \`invitation_reminder_days\``);
    await queryRunner.query(`DROP INDEX \`ix_scim_request_errors_integration\` ON \`scim_request_errors\``);
    await queryRunner.query(`DROP TABLE \`scim_request_errors\``);
  }
}
