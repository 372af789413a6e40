import type { MigrationInterface, QueryRunner } from 'typeorm';

const EXPRESSION = "substr(email, instr(email, '@') + 1)";

/** memberships.email_domain (generated from the email, indexed) so a search by domain walks an index. */
export class EmailDomainSearch1796220896630 implements MigrationInterface {
  name = 'EmailDomainSearch1796220896630';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE \`memberships\` ADD \`email_domain\` varchar(320) AS (${EXPRESSION}) VIRTUAL`);
    // TypeORM reads a generated column's expression back from its metadata table (under the current database's name).
    const [{ db }] = (await queryRunner.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;
    await queryRunner.query(
      `INSERT INTO \`typeorm_metadata\`(\`database\`, \`schema\`, \`table\`, \`type\`, \`name\`, \`value\`) VALUES (DEFAULT, ?, ?, ?, ?, ?)`,
      [db, 'memberships', 'GENERATED_COLUMN', 'email_domain', EXPRESSION],
    );
    await queryRunner.query(
      `CREATE INDEX \`ix_memberships_account_domain_email\` ON \`memberships\` (\`account_id\`, \`email_domain\`, \`email\`, \`id\`)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`ix_memberships_account_domain_email\` ON \`memberships\``);
    const [{ db }] = (await queryRunner.query('SELECT DATABASE() AS db')) as Array<{ db: string }>;
    await queryRunner.query(`DELETE FROM \`typeorm_metadata\` WHERE \`type\` = ? AND \`name\` = ? AND \`schema\` = ? AND \`table\` = ?`, [
      'GENERATED_COLUMN',
      'email_domain',
      db,
      'memberships',
    ]);
    await queryRunner.query(`ALTER TABLE \`memberships\` DROP COLUMN \`email_domain\``);
  }
}
