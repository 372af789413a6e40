import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { DataSource, type Logger } from 'typeorm';
import type { RosterConfig } from '../app/config.js';
import { entities } from './entities.js';
import { mysqlMigrations } from './migrations/mysql/index.js';
import { sqliteMigrations } from './migrations/sqlite/index.js';

export type Dialect = 'mysql' | 'sqlite';

export interface DataSourceOptions {
  /** Receives every SQL statement; tests use it to count queries. */
  logger?: Logger;
}

/**
 * The one place that knows how to reach either database. Migrations, never synchronize. On a mysql://
 * URL it asks the server what it is: TypeORM reads MariaDB's catalogue differently from MySQL's.
 */
export async function createDataSource(database: RosterConfig['database'], options: DataSourceOptions = {}): Promise<DataSource> {
  const common = { entities, synchronize: false, migrationsRun: false, logger: options.logger, logging: options.logger ? true : false } as const;
  if (database.kind === 'mysql') {
    const url = database.url.replace(/^mariadb:/, 'mysql:');
    return new DataSource({
      ...common,
      type: (await isMariaDb(url)) ? 'mariadb' : 'mysql',
      url,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      migrations: mysqlMigrations,
      extra: { connectionLimit: 20 },
    });
  }
  if (database.file !== ':memory:') fs.mkdirSync(path.dirname(database.file), { recursive: true });
  return new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: database.file,
    enableWAL: database.file !== ':memory:',
    migrations: sqliteMigrations,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  });
}

async function isMariaDb(url: string): Promise<boolean> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 10_000 });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test(String((rows as Array<{ version: string }>)[0]?.version));
  } finally {
    await connection.end();
  }
}
