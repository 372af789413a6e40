import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ListIndexes1796284510488 implements MigrationInterface {
  name = 'ListIndexes1796284510488';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX \`ix_audit_account_email_time\` ON \`audit_events\` (\`account_id\`, \`target_email\`, \`created_at\`)`,
    );
    await queryRunner.query(
      `CREATE INDEX \`ix_audit_account_actor_type_time\` ON \`audit_events\` (\`account_id\`, \`actor_type\`, \`created_at\`)`,
    );
    await queryRunner.query(
      `CREATE INDEX \`ix_audit_account_action_actor_time\` ON \`audit_events\` (\`account_id\`, \`action\`, \`actor_type\`, \`created_at\`)`,
    );
    await queryRunner.query(
      `CREATE INDEX \`ix_audit_account_actor_time\` ON \`audit_events\` (\`account_id\`, \`actor_id\`, \`created_at\`)`,
    );
    await queryRunner.query(`CREATE INDEX \`ix_sync_run_items_action\` ON \`sync_run_items\` (\`run_id\`, \`action\`, \`position\`)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`ix_sync_run_items_action\` ON \`sync_run_items\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_actor_time\` ON \`audit_events\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_action_actor_time\` ON \`audit_events\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_actor_type_time\` ON \`audit_events\``);
    await queryRunner.query(`DROP INDEX \`ix_audit_account_email_time\` ON \`audit_events\``);
  }
}
