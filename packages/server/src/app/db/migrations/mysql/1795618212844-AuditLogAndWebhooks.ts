import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLogAndWebhooks1795618212844 implements MigrationInterface {
  name = 'AuditLogAndWebhooks1795618212844';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`webhook_endpoints\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`url\` varchar(2000) NOT NULL, \`description\` varchar(500) NULL, \`events\` varchar(1000) NOT NULL, \`sealed_secret\` text NOT NULL, \`secret_prefix\` varchar(16) NOT NULL, \`enabled\` tinyint NOT NULL, \`created_by_person_id\` varchar(36) NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, \`secret_rolled_at\` datetime(3) NULL, INDEX \`ix_webhook_endpoints_account\` (\`account_id\`, \`created_at\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`webhook_deliveries\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`endpoint_id\` varchar(36) NOT NULL, \`event_id\` varchar(36) NOT NULL, \`event_type\` varchar(64) NOT NULL, \`payload\` text NOT NULL, \`state\` varchar(16) NOT NULL, \`attempts\` int NOT NULL, \`next_attempt_at\` datetime(3) NOT NULL, \`lease_owner\` varchar(64) NULL, \`lease_until\` datetime(3) NULL, \`response_status\` int NULL, \`response_body\` varchar(1000) NULL, \`duration_ms\` int NULL, \`last_error\` varchar(1000) NULL, \`created_at\` datetime(3) NOT NULL, \`last_attempt_at\` datetime(3) NULL, \`delivered_at\` datetime(3) NULL, INDEX \`ix_webhook_deliveries_endpoint\` (\`endpoint_id\`, \`created_at\`, \`id\`), INDEX \`ix_webhook_deliveries_due\` (\`state\`, \`next_attempt_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(`ALTER TABLE \`audit_events\` ADD \`ip\` varchar(45) NULL`);
    await queryRunner.query(`CREATE INDEX \`ix_audit_account_target\` ON \`audit_events\` (\`account_id\`, \`target_id\`, \`created_at\`)`);
    await queryRunner.query(
      `ALTER TABLE \`webhook_endpoints\` ADD CONSTRAINT \`FK_4d6b730495c4aea409766707c49\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`webhook_endpoints\` ADD CONSTRAINT \`FK_41a2ee777fe96900f620ba800d1\` FOREIGN KEY (\`created_by_person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`webhook_deliveries\` ADD CONSTRAINT \`FK_198873590dd372c0bb12ff2a248\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`webhook_deliveries\` ADD CONSTRAINT \`FK_0b882c26a9b91c26e6e86b4867c\` FOREIGN KEY (\`endpoint_id\`) REFERENCES \`webhook_endpoints\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`webhook_deliveries\` DROP FOREIGN KEY \`FK_0b882c26a9b91c26e6e86b4867c\``);
    await queryRunner.query(`ALTER TABLE \`webhook_deliveries\` DROP FOREIGN KEY \`FK_198873590dd372c0bb12ff2a248\``);
    await queryRunner.query(`ALTER TABLE \`webhook_endpoints\` DROP FOREIGN KEY \`FK_41a2ee777fe96900f620ba800d1\``);
    await queryRunner.query(`ALTER TABLE \`webhook_endpoints\` DROP FOREIGN KEY \`FK_4d6b730495c4aea409766707c49\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_target\` ON \`audit_events\``);
    await queryRunner.query(`ALTER TABLE \`audit_events\` DROP COLUMN \`ip\``);
    await queryRunner.query(`DROP INDEX \`ix_webhook_deliveries_due\` ON \`webhook_deliveries\``);
    await queryRunner.query(`DROP INDEX \`ix_webhook_deliveries_endpoint\` ON \`webhook_deliveries\``);
    await queryRunner.query(`DROP TABLE \`webhook_deliveries\``);
    await queryRunner.query(`DROP INDEX \`ix_webhook_endpoints_account\` ON \`webhook_endpoints\``);
    await queryRunner.query(`DROP TABLE \`webhook_endpoints\``);
  }
}
