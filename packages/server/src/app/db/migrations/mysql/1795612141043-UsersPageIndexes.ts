import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersPageIndexes1795612141043 implements MigrationInterface {
  name = 'UsersPageIndexes1795612141043';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX \`ix_memberships_account_created_id\` ON \`memberships\` (\`account_id\`, \`created_at\`, \`id\`)`,
    );
    await queryRunner.query(`CREATE INDEX \`ix_memberships_account_email_id\` ON \`memberships\` (\`account_id\`, \`email\`, \`id\`)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`ix_memberships_account_email_id\` ON \`memberships\``);
    await queryRunner.query(`DROP INDEX \`ix_memberships_account_created_id\` ON \`memberships\``);
  }
}
