import mysql from 'mysql2/promise';
import { createDataSource } from '../../../packages/server/src/app/db/data-source.js';

export interface WrittenRows {
  memberships: number;
  invitations: number;
  outboxEmails: number;
  auditEvents: number;
  outboxBytes: number;
}

/** What an import wrote: the rows of the CSV's users in each table (seeded users excluded). */
export async function writtenRows(databaseUrl: string): Promise<WrittenRows> {
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const [rows] = await connection.query(`SELECT
      (SELECT COUNT(*) FROM memberships WHERE email LIKE '%@import-%' AND status = 'INVITED' AND source = 'CSV') AS memberships,
      (SELECT COUNT(*) FROM invitations WHERE email LIKE '%@import-%' AND state = 'PENDING' AND delivery_status = 'QUEUED') AS invitations,
      (SELECT COUNT(*) FROM outbox_emails WHERE to_address LIKE '%@import-%' AND state = 'PENDING') AS outboxEmails,
      (SELECT COUNT(*) FROM audit_events WHERE target_email LIKE '%@import-%' AND action = 'user.invited') AS auditEvents,
      (SELECT COALESCE(SUM(LENGTH(html) + LENGTH(text_body) + LENGTH(subject)), 0) FROM outbox_emails) AS outboxBytes`);
    const row = (rows as Array<Record<string, string | number>>)[0]!;
    return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as WrittenRows;
  } finally {
    await connection.end();
  }
}

/** Roster's schema on a database without starting Roster (the baseline's side). */
export async function migrate(databaseUrl: string): Promise<number> {
  const dataSource = await createDataSource({ kind: 'mysql', url: databaseUrl });
  await dataSource.initialize();
  try {
    return (await dataSource.runMigrations({ transaction: 'each' })).length;
  } finally {
    await dataSource.destroy();
  }
}
