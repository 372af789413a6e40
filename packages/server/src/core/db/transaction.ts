import type { DataSource, EntityManager } from 'typeorm';

/**
 * Deadlocks are decided at once, so running again is cheap and usually succeeds. A lock-wait timeout (or
 * SQLite's busy timeout) is not retried: it already waited its full time, and waiting again would multiply
 * how long a request hangs behind a lock (it is answered DATABASE_BUSY instead).
 */
const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'SQLITE_BUSY_SNAPSHOT']);

/**
 * Runs `work` in a transaction and runs it again (up to 3 times) when the database chose it as a deadlock
 * victim: with several workers and admins writing at once, MySQL may abort either side, and the right
 * answer is to retry the whole transaction.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await serialisedOnSqlite(dataSource, () => dataSource.transaction(work));
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * SQLite (the embedded default) has one connection per process, which TypeORM shares between all callers:
 * two transactions open at once would interleave their savepoints. They take turns instead.
 */
function serialisedOnSqlite<T>(dataSource: DataSource, run: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return run();
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const next = previous.then(run, run);
  sqliteQueues.set(
    dataSource,
    next.catch(() => undefined),
  );
  return next;
}
