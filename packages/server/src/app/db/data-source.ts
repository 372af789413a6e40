import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { DataSource, Logger } from 'typeorm';
import type { DatabaseTimeouts, RosterConfig } from '../../core/config.js';

export type { DatabaseTimeouts };
import { entities } from './entities.js';
import { RosterDataSource } from './pooled-query.js';
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
  const common = {
    entities,
    synchronize: false,
    migrationsRun: false,
    logger: options.logger,
    logging: options.logger ? true : false,
  } as const;
  if (database.kind === 'mysql') {
    const url = database.url.replace(/^mariadb:/, 'mysql:');
    return new RosterDataSource({
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
  return new RosterDataSource({
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

/** A pool that gave no connection in time: every connection is busy (typically all waiting on a lock). */
export class DatabasePoolTimeoutError extends Error {
  readonly code = 'ROSTER_POOL_TIMEOUT';
  constructor(seconds: number) {
    super(`No database connection became free within ${seconds} second(s).`);
  }
}

/**
 * Makes requests fail fast while the database is locked instead of piling up: every pooled connection gets
 * the lock-wait and statement timeouts (set once per connection, on its first use after this call), and a
 * request that waits longer than the acquire timeout for a connection is refused. Applied after migrations,
 * so a long schema change is not cut off by the statement limit.
 */
export function applyDatabaseTimeouts(dataSource: DataSource, timeouts: DatabaseTimeouts): void {
  const driver = dataSource.driver as unknown as { pool?: MysqlPool; databaseConnection?: { pragma(sql: string): unknown } };
  if (dataSource.options.type === 'better-sqlite3') {
    driver.databaseConnection?.pragma(`busy_timeout = ${Math.round(timeouts.lockWaitSeconds * 1000)}`);
    return;
  }
  const pool = driver.pool;
  if (!pool) throw new Error('The database pool is not open: initialize the data source first.');
  const settings = [
    `innodb_lock_wait_timeout = ${Math.round(timeouts.lockWaitSeconds)}`,
    `lock_wait_timeout = ${Math.round(timeouts.lockWaitSeconds)}`,
  ];
  if (dataSource.options.type === 'mariadb') settings.push(`max_statement_time = ${timeouts.statementSeconds}`);
  else settings.push(`max_execution_time = ${Math.round(timeouts.statementSeconds * 1000)}`);
  const sessionSettings = `SET SESSION ${settings.join(', ')}`;
  const configured = new WeakSet<object>();
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback) => {
    let timedOut = false;
    // A free connection is handed over on the next tick: no wait to bound, and no timer to arm and clear per statement.
    const timer =
      (pool._freeConnections?.length ?? 0) > 0
        ? null
        : setTimeout(() => {
            timedOut = true;
            callback(new DatabasePoolTimeoutError(timeouts.poolAcquireSeconds));
          }, timeouts.poolAcquireSeconds * 1000);
    getConnection((error, connection) => {
      if (timedOut) {
        connection?.release();
        return;
      }
      if (timer) clearTimeout(timer);
      if (error || !connection || configured.has(connection)) return callback(error, connection);
      // A connection runs its commands in order, so the settings are in force before the caller's first query.
      configured.add(connection);
      connection.query(sessionSettings, (settingError: unknown) => {
        if (settingError) configured.delete(connection);
      });
      callback(null, connection);
    });
  };
}

/** The part of mysql2's callback pool (what TypeORM's MySQL driver uses) that the timeouts wrap. */
interface MysqlPool {
  getConnection(callback: (error: unknown, connection?: MysqlPoolConnection) => void): void;
  /** mysql2's idle connections (internal, read defensively). */
  _freeConnections?: { length: number };
}
interface MysqlPoolConnection {
  release(): void;
  query(sql: string, callback: (error: unknown) => void): void;
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
