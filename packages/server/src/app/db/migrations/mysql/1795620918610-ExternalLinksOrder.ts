import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ExternalLinksOrder1795620918610 implements MigrationInterface {
  name = 'ExternalLinksOrder1795620918610';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX \`ix_external_links_order\` ON \`external_links\` (\`integration_id\`, \`resource_type\`, \`created_at\`, \`id\`)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`ix_external_links_order\` ON \`external_links\``);
  }
}
