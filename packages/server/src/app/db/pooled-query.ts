import { DataSource, QueryFailedError, type QueryRunner } from 'typeorm';

/** The part of mysql2's callback pool (what TypeORM's MySQL driver holds) that a statement needs. */
interface MysqlPool {
  getConnection(callback: (error: unknown, connection?: MysqlPoolConnection) => void): void;
}
interface MysqlPoolConnection {
  query(sql: string, values: unknown[] | undefined, callback: (error: unknown, rows?: unknown) => void): void;
  release(): void;
  listeners(event: 'error'): unknown[];
  on(event: 'error', listener: (error: unknown) => void): void;
}

/**
 * Roster's data source. On MySQL/MariaDB, a raw statement run outside a transaction (`dataSource.query(sql, params)`,
 * the hot read paths: the session check and the Users page) goes straight to the driver's pool with mysql2's
 * callback API instead of through a TypeORM query runner. Why hand-written: TypeORM's runner calls mysql2's
 * `connection.promise()` for every statement, which `require`s a module and captures a stack trace each time, and
 * builds a broadcaster and a result object; on the Users page that was about a fifth of the server's CPU per request.
 * What TypeORM does around a statement is kept: the connection comes from the same pool (through the timeouts that
 * `applyDatabaseTimeouts` put on it), the logger sees the statement (tests and benchmarks count them) and its error,
 * a failed statement rejects with TypeORM's QueryFailedError (a pool that gives no connection, with the pool's error),
 * and the answer is mysql2's raw result, as TypeORM returns it. Statements in a transaction (a query runner given),
 * SQLite, a slow-query limit (`maxQueryExecutionTime`) and everything TypeORM builds itself take TypeORM's path.
 */
export class RosterDataSource extends DataSource {
  override query<T = any>(query: string, parameters?: any[], queryRunner?: QueryRunner): Promise<T> {
    const pool = queryRunner ? null : this.directPool();
    if (!pool) return super.query<T>(query, parameters, queryRunner);
    return new Promise<T>((resolve, reject) => {
      pool.getConnection((acquireError, connection) => {
        if (acquireError || !connection) return reject(acquireError);
        // As TypeORM's driver does for each connection it hands out: an error event must not crash the process.
        if (connection.listeners('error').length === 0) {
          connection.on('error', (error) => this.logger.log('warn', `MySQL connection raised an error. ${String(error)}`));
        }
        this.logger.logQuery(query, parameters);
        connection.query(query, parameters, (error, raw) => {
          connection.release();
          if (error) {
            this.logger.logQueryError(error as Error, query, parameters);
            return reject(new QueryFailedError(query, parameters, error as Error));
          }
          resolve(raw as T);
        });
      });
    });
  }

  private directPool(): MysqlPool | null {
    if (this.options.type !== 'mysql' && this.options.type !== 'mariadb') return null;
    if (this.options.maxQueryExecutionTime) return null;
    return (this.driver as unknown as { pool?: MysqlPool }).pool ?? null;
  }
}
