import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Imports1795610168695 implements MigrationInterface {
  name = 'Imports1795610168695';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`import_jobs\` (\`id\` varchar(36) NOT NULL, \`account_id\` varchar(36) NOT NULL, \`created_by_person_id\` varchar(36) NULL, \`origin\` varchar(8) NOT NULL, \`file_name\` varchar(255) NULL, \`file_bytes\` int NOT NULL DEFAULT '0', \`state\` varchar(16) NOT NULL, \`error\` varchar(1000) NULL, \`delimiter\` varchar(4) NULL, \`has_header\` tinyint NOT NULL DEFAULT 0, \`columns\` text NULL, \`mapping\` text NULL, \`options\` text NULL, \`total_rows\` int NOT NULL DEFAULT '0', \`processed_rows\` int NOT NULL DEFAULT '0', \`outcomes\` text NULL, \`lease_owner\` varchar(64) NULL, \`lease_until\` datetime(3) NULL, \`created_at\` datetime(3) NOT NULL, \`started_at\` datetime(3) NULL, \`finished_at\` datetime(3) NULL, INDEX \`ix_import_jobs_state\` (\`state\`, \`lease_until\`), INDEX \`ix_import_jobs_account\` (\`account_id\`, \`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`import_rows\` (\`job_id\` varchar(36) NOT NULL, \`row_index\` int NOT NULL, \`line\` int NOT NULL, \`cells\` text NOT NULL, \`email\` varchar(320) NULL, \`name\` varchar(200) NULL, \`role\` varchar(16) NULL, \`company\` varchar(200) NULL, \`groups\` text NULL, \`verdict\` varchar(16) NOT NULL, \`reason\` varchar(500) NULL, \`outcome\` varchar(16) NULL, \`outcome_reason\` varchar(500) NULL, \`user_id\` varchar(36) NULL, INDEX \`ix_import_rows_verdict\` (\`job_id\`, \`verdict\`), INDEX \`ix_import_rows_pending\` (\`job_id\`, \`outcome\`, \`row_index\`), PRIMARY KEY (\`job_id\`, \`row_index\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `ALTER TABLE \`import_jobs\` ADD CONSTRAINT \`FK_7056a28764595cc3fcf65536580\` FOREIGN KEY (\`account_id\`) REFERENCES \`accounts\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE \`import_rows\` ADD CONSTRAINT \`FK_e2294c3cba0346f11cc3f91c744\` FOREIGN KEY (\`job_id\`) REFERENCES \`import_jobs\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`import_rows\` DROP FOREIGN KEY \`FK_e2294c3cba0346f11cc3f91c744\``);
    await queryRunner.query(`ALTER TABLE \`import_jobs\` DROP FOREIGN KEY \`FK_7056a28764595cc3fcf65536580\``);
    await queryRunner.query(`DROP INDEX \`ix_import_rows_pending\` ON \`import_rows\``);
    await queryRunner.query(`DROP INDEX \`ix_import_rows_verdict\` ON \`import_rows\``);
    await queryRunner.query(`DROP TABLE \`import_rows\``);
    await queryRunner.query(`DROP INDEX \`ix_import_jobs_account\` ON \`import_jobs\``);
    await queryRunner.query(`DROP INDEX \`ix_import_jobs_state\` ON \`import_jobs\``);
    await queryRunner.query(`DROP TABLE \`import_jobs\``);
  }
}
