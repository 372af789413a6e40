import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Invitations1795609618303 implements MigrationInterface {
  name = 'Invitations1795609618303';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`invitations\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`membership_id\` varchar(36) NULL, \`email\` varchar(320) NOT NULL, \`token_hash\` varchar(64) NOT NULL, \`state\` varchar(16) NOT NULL, \`revoke_reason\` varchar(16) NULL, \`role\` varchar(16) NOT NULL, \`company_id\` varchar(36) NULL, \`group_ids\` text NULL, \`invited_by_person_id\` varchar(36) NULL, \`send_email\` tinyint NOT NULL, \`delivery_status\` varchar(16) NOT NULL, \`delivery_error\` varchar(500) NULL, \`last_sent_at\` datetime(3) NULL, \`send_count\` int NOT NULL DEFAULT '0', \`expires_at\` datetime(3) NOT NULL, \`created_at\` datetime(3) NOT NULL, \`accepted_at\` datetime(3) NULL, \`revoked_at\` datetime(3) NULL, \`expiry_recorded_at\` datetime(3) NULL, INDEX \`ix_invitations_expiry\` (\`state\`, \`expires_at\`), INDEX \`ix_invitations_account\` (\`account_id\`, \`state\`), INDEX \`ix_invitations_membership\` (\`membership_id\`, \`state\`), UNIQUE INDEX \`IDX_872ac94a64b3d44fc4b554780c\` (\`token_hash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`outbox_emails\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`invitation_id\` varchar(36) NULL, \`to_address\` varchar(320) NOT NULL, \`subject\` varchar(500) NOT NULL, \`html\` text NULL, \`text_body\` text NULL, \`action_url\` varchar(1000) NULL, \`state\` varchar(16) NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`next_attempt_at\` datetime(3) NOT NULL, \`lease_owner\` varchar(64) NULL, \`lease_until\` datetime(3) NULL, \`batch_key\` varchar(64) NULL, \`transport\` varchar(16) NULL, \`provider_message_id\` varchar(100) NULL, \`last_error\` varchar(500) NULL, \`created_at\` datetime(3) NOT NULL, \`sent_at\` datetime(3) NULL, INDEX \`ix_outbox_batch\` (\`batch_key\`), INDEX \`ix_outbox_invitation\` (\`invitation_id\`), INDEX \`ix_outbox_provider\` (\`provider_message_id\`), INDEX \`ix_outbox_lease\` (\`lease_owner\`), INDEX \`ix_outbox_due\` (\`state\`, \`next_attempt_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`audit_events\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`actor_type\` varchar(16) NOT NULL, \`actor_id\` varchar(36) NULL, \`action\` varchar(64) NOT NULL, \`target_id\` varchar(36) NULL, \`target_email\` varchar(320) NULL, \`details\` text NULL, \`created_at\` datetime(3) NOT NULL, INDEX \`ix_audit_account_time\` (\`account_id\`, \`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`invitations\` ADD CONSTRAINT \`FK_84433480afca16f777aed2c445c\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`invitations\` ADD CONSTRAINT \`FK_39772d84b4df08bd411860b0fb1\` FOREIGN KEY (\`membership_id\`) REFERENCES \`memberships\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`outbox_emails\` ADD CONSTRAINT \`FK_be6473541ac0e76319f33335bc2\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`audit_events\` ADD CONSTRAINT \`FK_6146db29a3560ce8f5f76384c9c\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`audit_events\` DROP FOREIGN KEY \`FK_6146db29a3560ce8f5f76384c9c\``);
    await queryRunner.query(`ALTER TABLE \`outbox_emails\` DROP FOREIGN KEY \`FK_be6473541ac0e76319f33335bc2\``);
    await queryRunner.query(`ALTER TABLE \`invitations\` DROP FOREIGN KEY \`FK_39772d84b4df08bd411860b0fb1\``);
    await queryRunner.query(`ALTER TABLE \`invitations\` DROP FOREIGN KEY \`FK_84433480afca16f777aed2c445c\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_time\` ON \`audit_events\``);
    await queryRunner.query(`DROP TABLE \`audit_events\``);
    await queryRunner.query(`DROP INDEX \`ix_outbox_due\` ON \`outbox_emails\``);
    await queryRunner.query(`DROP INDEX \`ix_outbox_lease\` ON \`outbox_emails\``);
    await queryRunner.query(`DROP INDEX \`ix_outbox_provider\` ON \`outbox_emails\``);
    await queryRunner.query(`DROP INDEX \`ix_outbox_invitation\` ON \`outbox_emails\``);
    await queryRunner.query(`DROP INDEX \`ix_outbox_batch\` ON \`outbox_emails\``);
    await queryRunner.query(`DROP TABLE \`outbox_emails\``);
    await queryRunner.query(`DROP INDEX \`IDX_872ac94a64b3d44fc4b554780c\` ON \`invitations\``);
    await queryRunner.query(`DROP INDEX \`ix_invitations_membership\` ON \`invitations\``);
    await queryRunner.query(`DROP INDEX \`ix_invitations_account\` ON \`invitations\``);
    await queryRunner.query(`DROP INDEX \`ix_invitations_expiry\` ON \`invitations\``);
    await queryRunner.query(`DROP TABLE \`invitations\``);
  }
}
