import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795608109643 implements MigrationInterface {
  name = 'Initial1795608109643';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`accounts\` (\`id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`slug\` varchar(100) NOT NULL, \`invitation_lifetime_days\` int NOT NULL DEFAULT '7', \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`IDX_4effe647846f5cda6b5c90eefc\` (\`slug\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`people\` (\`id\` varchar(36) NOT NULL, \`email\` varchar(320) NOT NULL, \`name\` varchar(200) NULL, \`password_hash\` varchar(255) NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`IDX_c77e8752faa45901af2b245dff\` (\`email\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`companies\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`external_id\` varchar(255) NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_companies_account_name\` (\`account_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`memberships\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`person_id\` varchar(36) NULL, \`email\` varchar(320) NOT NULL, \`name\` varchar(200) NULL, \`role\` varchar(16) NOT NULL, \`status\` varchar(16) NOT NULL, \`source\` varchar(16) NOT NULL, \`external_id\` varchar(255) NULL, \`company_id\` varchar(36) NULL, \`last_active_at\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, INDEX \`ix_memberships_account_external\` (\`account_id\`, \`external_id\`), INDEX \`ix_memberships_account_status\` (\`account_id\`, \`status\`), UNIQUE INDEX \`uq_memberships_account_person\` (\`account_id\`, \`person_id\`), UNIQUE INDEX \`uq_memberships_account_email\` (\`account_id\`, \`email\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`sessions\` (\`id\` varchar(36) NOT NULL, \`token_hash\` varchar(64) NOT NULL, \`person_id\` varchar(36) NOT NULL, \`current_account_id\` varchar(36) NOT NULL, \`created_at\` datetime(3) NOT NULL, \`expires_at\` datetime(3) NOT NULL, \`ended_at\` datetime(3) NULL, INDEX \`ix_sessions_person\` (\`person_id\`), UNIQUE INDEX \`IDX_abaa9e068cdd390bc5210f7988\` (\`token_hash\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`user_groups\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`name\` varchar(200) NOT NULL, \`description\` varchar(1000) NULL, \`external_id\` varchar(255) NULL, \`created_at\` datetime(3) NOT NULL, UNIQUE INDEX \`uq_user_groups_account_name\` (\`account_id\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`group_members\` (\`group_id\` varchar(36) NOT NULL, \`membership_id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, INDEX \`ix_group_members_membership\` (\`membership_id\`), PRIMARY KEY (\`group_id\`, \`membership_id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`companies\` ADD CONSTRAINT \`FK_59caaf4ca872d0014267d036627\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`memberships\` ADD CONSTRAINT \`FK_cc6ac2e484c2f6e53d13ce1a97c\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`memberships\` ADD CONSTRAINT \`FK_efc5c4a293123bc6e5fa4306bc4\` FOREIGN KEY (\`person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`memberships\` ADD CONSTRAINT \`FK_ca5b88fd94eb8b6d630d3e7f867\` FOREIGN KEY (\`company_id\`) REFERENCES \`companies\`(\`id\`) ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`sessions\` ADD CONSTRAINT \`FK_c3942eab830cae599a763e11557\` FOREIGN KEY (\`person_id\`) REFERENCES \`people\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`sessions\` ADD CONSTRAINT \`FK_4cfc69112e7c5ad8085c58e206e\` FOREIGN KEY (\`current_account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`user_groups\` ADD CONSTRAINT \`FK_f290053651d3e6e548bb2b69ded\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`group_members\` ADD CONSTRAINT \`FK_2c840df5db52dc6b4a1b0b69c6e\` FOREIGN KEY (\`group_id\`) REFERENCES \`user_groups\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`group_members\` ADD CONSTRAINT \`FK_7b3ec8fdff8055ddf63f91ed7ab\` FOREIGN KEY (\`membership_id\`) REFERENCES \`memberships\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`group_members\` DROP FOREIGN KEY \`FK_7b3ec8fdff8055ddf63f91ed7ab\``);
    await queryRunner.query(`ALTER TABLE \`group_members\` DROP FOREIGN KEY \`FK_2c840df5db52dc6b4a1b0b69c6e\``);
    await queryRunner.query(`ALTER TABLE \`user_groups\` DROP FOREIGN KEY \`FK_f290053651d3e6e548bb2b69ded\``);
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP FOREIGN KEY \`FK_4cfc69112e7c5ad8085c58e206e\``);
    await queryRunner.query(`ALTER TABLE \`sessions\` DROP FOREIGN KEY \`FK_c3942eab830cae599a763e11557\``);
    await queryRunner.query(`ALTER TABLE \`memberships\` DROP FOREIGN KEY \`FK_ca5b88fd94eb8b6d630d3e7f867\``);
    await queryRunner.query(`ALTER TABLE \`memberships\` DROP FOREIGN KEY \`FK_efc5c4a293123bc6e5fa4306bc4\``);
    await queryRunner.query(`ALTER TABLE \`memberships\` DROP FOREIGN KEY \`FK_cc6ac2e484c2f6e53d13ce1a97c\``);
    await queryRunner.query(`ALTER TABLE \`companies\` DROP FOREIGN KEY \`FK_59caaf4ca872d0014267d036627\``);
    await queryRunner.query(`DROP INDEX \`ix_group_members_membership\` ON \`group_members\``);
    await queryRunner.query(`DROP TABLE \`group_members\``);
    await queryRunner.query(`DROP INDEX \`uq_user_groups_account_name\` ON \`user_groups\``);
    await queryRunner.query(`DROP TABLE \`user_groups\``);
    await queryRunner.query(`DROP INDEX \`IDX_abaa9e068cdd390bc5210f7988\` ON \`sessions\``);
    await queryRunner.query(`DROP INDEX \`ix_sessions_person\` ON \`sessions\``);
    await queryRunner.query(`DROP TABLE \`sessions\``);
    await queryRunner.query(`DROP INDEX \`uq_memberships_account_email\` ON \`memberships\``);
    await queryRunner.query(`DROP INDEX \`uq_memberships_account_person\` ON \`memberships\``);
    await queryRunner.query(`DROP INDEX \`ix_memberships_account_status\` ON \`memberships\``);
    await queryRunner.query(`DROP INDEX \`ix_memberships_account_external\` ON \`memberships\``);
    await queryRunner.query(`DROP TABLE \`memberships\``);
    await queryRunner.query(`DROP INDEX \`uq_companies_account_name\` ON \`companies\``);
    await queryRunner.query(`DROP TABLE \`companies\``);
    await queryRunner.query(`DROP INDEX \`IDX_c77e8752faa45901af2b245dff\` ON \`people\``);
    await queryRunner.query(`DROP TABLE \`people\``);
    await queryRunner.query(`DROP INDEX \`IDX_4effe647846f5cda6b5c90eefc\` ON \`accounts\``);
    await queryRunner.query(`DROP TABLE \`accounts\``);
  }
}
