import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../../test/databases.js';
import { createDataSource } from './data-source.js';

describe.each(dialects)('migrations (%s)', (dialect) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('build exactly the schema the entities describe, so nothing needs synchronize', async () => {
    const database = await createTestDatabase(dialect);
    databases.push(database);
    const dataSource = await createDataSource(database.config);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied.length).toBeGreaterThan(0);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('undo cleanly, leaving no table behind', async () => {
    const database = await createTestDatabase(dialect);
    databases.push(database);
    const dataSource = await createDataSource(database.config);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration();
      const tables = await dataSource
        .createQueryRunner()
        .getTables(['accounts', 'people', 'memberships', 'companies', 'user_groups', 'group_members', 'sessions']);
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
