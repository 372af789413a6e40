import type { DataSource } from 'typeorm';
import type { Metrics } from '../../core/metrics.js';

/** What mysql2's callback pool (TypeORM's MySQL driver) keeps about its connections; internal fields, read defensively. */
interface MysqlPoolState {
  config?: { connectionLimit?: number };
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * The database pool's use, read from the pool itself on scrape (no query). MySQL/MariaDB: connections in use and
 * idle, the pool's limit, and requests waiting for a connection. SQLite has one connection and no pool: nothing.
 */
export function registerPoolMetrics(metrics: Metrics, dataSource: DataSource): void {
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') return;
  const pool = () => (dataSource.driver as unknown as { pool?: MysqlPoolState }).pool;
  metrics.gauge({
    name: 'roster_db_pool_connections',
    help: 'Connections of the database pool, by state (in_use: lent to a query or transaction; idle: open and free).',
    labelNames: ['state'],
    collect() {
      const state = pool();
      const all = state?._allConnections?.length ?? 0;
      const idle = state?._freeConnections?.length ?? 0;
      this.set({ state: 'in_use' }, Math.max(0, all - idle));
      this.set({ state: 'idle' }, idle);
    },
  });
  metrics.gauge({
    name: 'roster_db_pool_max_connections',
    help: 'The most connections the database pool opens.',
    collect() {
      this.set(pool()?.config?.connectionLimit ?? 0);
    },
  });
  metrics.gauge({
    name: 'roster_db_pool_waiting_requests',
    help: 'Requests waiting for a free connection of the database pool (refused DATABASE_BUSY after DB_POOL_ACQUIRE_TIMEOUT_SECONDS).',
    collect() {
      this.set(pool()?._connectionQueue?.length ?? 0);
    },
  });
}
