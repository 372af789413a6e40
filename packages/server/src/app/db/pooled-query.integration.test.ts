import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError, type DataSource, type Logger } from 'typeorm';
import { createTestDatabase, dialects, type TestDatabase } from '../../../test/databases.js';
import { createDataSource } from './data-source.js';

/** The statements and errors the data source's logger is told about. */
function recordingLogger(): Logger & { queries: string[]; errors: string[] } {
  const queries: string[] = [];
  const errors: string[] = [];
  return {
    queries,
    errors,
    logQuery: (sql) => void queries.push(sql),
    logQueryError: (_error, sql) => void errors.push(sql),
    logQuerySlow: () => {},
    logSchemaBuild: () => {},
    logMigration: () => {},
    log: () => {},
  };
}

describe.each(dialects)('raw statements outside a transaction (%s)', (dialect) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const logger = recordingLogger();

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataSource = await createDataSource(database.config, { logger });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE probe (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL)');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('answers rows and write results as TypeORM does, and the logger sees each statement', async () => {
    logger.queries.length = 0;
    await dataSource.query('INSERT INTO probe (id, name) VALUES (?, ?), (?, ?)', [1, 'one', 2, 'two']);
    const rows = await dataSource.query('SELECT id, name FROM probe WHERE id > ? ORDER BY id', [0]);
    expect(rows.map((row: { id: number; name: string }) => ({ id: Number(row.id), name: row.name }))).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    // The same statement through a query runner (TypeORM's own path) gives the same rows.
    const runner = dataSource.createQueryRunner();
    try {
      expect(await dataSource.query('SELECT id, name FROM probe WHERE id > ? ORDER BY id', [0], runner)).toEqual(rows);
    } finally {
      await runner.release();
    }
    expect(logger.queries.filter((sql) => sql.includes('probe'))).toHaveLength(3);
  });

  it('rejects a failing statement with QueryFailedError carrying the driver error, and logs it', async () => {
    logger.errors.length = 0;
    const failure = await dataSource.query('INSERT INTO probe (id, name) VALUES (?, ?)', [1, 'again']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).query).toContain('INSERT INTO probe');
    expect((failure as QueryFailedError).driverError).toBeTruthy();
    expect(logger.errors).toEqual(['INSERT INTO probe (id, name) VALUES (?, ?)']);
  });

  it('returns every connection it borrows: more statements than the pool holds all answer', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => dataSource.query('SELECT ? AS n', [i])));
    expect(answers.map((rows: Array<{ n: number | string }>) => Number(rows[0]!.n))).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const pool = (dataSource.driver as unknown as { pool?: { _allConnections: { length: number }; _freeConnections: { length: number } } })
      .pool;
    if (pool) expect(pool._freeConnections.length).toBe(pool._allConnections.length);
  });
});
