import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccountIdOnChildTables1796248874785 implements MigrationInterface {
  name = 'AccountIdOnChildTables1796248874785';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Each child row takes the account of its parent (import job, sync run, integration). A row without its parent
    // (none while the foreign keys hold: each cascades) could not be reached anyway and is removed.
    const children: Array<[table: string, parent: string, parentKey: string]> = [
      ['import_rows', 'import_jobs', 'job_id'],
      ['sync_run_items', 'sync_runs', 'run_id'],
      ['scim_request_errors', 'integrations', 'integration_id'],
    ];
    for (const [table, parent, parentKey] of children) {
      await queryRunner.query(`ALTER TABLE \`${table}\` ADD \`account_id\` varchar(36) NULL`);
      await queryRunner.query(
        `UPDATE \`${table}\` c INNER JOIN \`${parent}\` p ON p.\`id\` = c.\`${parentKey}\` SET c.\`account_id\` = p.\`account_id\``,
      );
      await queryRunner.query(`DELETE FROM \`${table}\` WHERE \`account_id\` IS NULL`);
      await queryRunner.query(`ALTER TABLE \`${table}\` MODIFY \`account_id\` varchar(36) NOT NULL`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`scim_request_errors\` DROP COLUMN \`account_id\``);
    await queryRunner.query(`ALTER TABLE \`sync_run_items\` DROP COLUMN \`account_id\``);
    await queryRunner.query(`ALTER TABLE \`import_rows\` DROP COLUMN \`account_id\``);
  }
}
