import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The MariaDB server benchmarks create their databases on (root, empty password by default). */
export const MARIADB_SERVER_URL = process.env.BENCH_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

export interface ThrowawayDatabase {
  name: string;
  /** mysql:// URL of the database itself, for Roster's config and for mysql2 pools. */
  url: string;
  /** Drops the database; safe to call more than once. */
  drop(): Promise<void>;
}

/** Throwaway databases not dropped yet: on Ctrl-C / SIGTERM all of them are dropped before the process exits. */
const liveDatabases = new Set<ThrowawayDatabase>();
let interrupted = false;

// `on`, not `once`: Apollo Server (inside Roster) also listens to SIGINT/SIGTERM, stops, and then re-sends
// the signal to this process; with no listener left, that second signal would kill it before the drops.
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  const databases = [...liveDatabases];
  console.error(`\n${signal}: dropping ${databases.map((db) => db.name).join(', ')} before exiting...`);
  Promise.allSettled(
    databases.map((db) =>
      db.drop().then(
        () => console.error(`Dropped ${db.name}.`),
        (error) => console.error(`Could not drop ${db.name}; drop it by hand:`, error),
      ),
    ),
  ).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

/**
 * Creates `roster_bench_<random>` and runs `body` with it; the database is dropped afterwards, whether
 * `body` returns, throws, or the run is interrupted with Ctrl-C / SIGTERM. Calls may be nested (one
 * database per side of a comparison): an interruption drops all of them.
 */
export async function withThrowawayDatabase<T>(body: (db: ThrowawayDatabase) => Promise<T>, prefix = 'roster_bench'): Promise<T> {
  const db = await createThrowawayDatabase(prefix);
  if (liveDatabases.size === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  liveDatabases.add(db);
  try {
    return await body(db);
  } finally {
    await db.drop();
    liveDatabases.delete(db);
    if (liveDatabases.size === 0 && !interrupted) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

export async function createThrowawayDatabase(prefix = 'roster_bench'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await connectToServer();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  let dropped: Promise<void> | null = null;
  return {
    name,
    url: `${MARIADB_SERVER_URL.replace(/\/+$/, '')}/${name}`,
    drop() {
      dropped ??= (async () => {
        const connection = await connectToServer();
        try {
          await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
        } finally {
          await connection.end();
        }
      })();
      return dropped;
    },
  };
}

async function connectToServer(): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ uri: MARIADB_SERVER_URL, connectTimeout: 5000 });
  } catch (error) {
    throw new Error(
      `Cannot reach MariaDB at ${redact(MARIADB_SERVER_URL)} (set BENCH_MARIADB_URL to use another server): ${(error as Error).message}`,
    );
  }
}

/** Hides the password of a URL so it never reaches the console. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/**
 * Waits until no statement is running on `database` (ignoring this check's own connection) for a few polls
 * in a row. Load generators close their sockets at the end of a run while the server is still working
 * through queued requests; waiting here keeps that tail out of the next run and lets servers stop cleanly.
 */
export async function waitForQuietDatabase(
  databaseUrl: string,
  options: { quietPolls?: number; intervalMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const { quietPolls = 3, intervalMs = 100, timeoutMs = 20_000 } = options;
  const database = new URL(databaseUrl).pathname.replace(/^\//, '');
  const connection = await mysql.createConnection({ uri: databaseUrl });
  try {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < quietPolls) {
      const [rows] = await connection.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Daemon')",
        [database],
      );
      quiet = Number((rows as Array<{ n: number | string }>)[0]?.n ?? 0) === 0 ? quiet + 1 : 0;
      if (Date.now() > deadline) throw new Error(`Statements were still running on ${database} after ${timeoutMs} ms.`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    await connection.end();
  }
}

/**
 * Waits until InnoDB has written most dirty pages of the buffer pool back to disk (at most `maxDirtyPercent`
 * of the pool dirty), so a write-heavy phase does not start while the previous one's pages are still being
 * flushed: that flushing would slow the next phase, whichever side it measures. The counter is server-wide
 * (other databases' writes count too), hence the timeout; returns the dirty share when it gave up or succeeded.
 */
export async function waitForFlushedBufferPool(
  databaseUrl: string,
  options: { maxDirtyPercent?: number; timeoutMs?: number } = {},
): Promise<{ dirtyPercent: number; waitedMs: number }> {
  const { maxDirtyPercent = 10, timeoutMs = 30_000 } = options;
  const connection = await mysql.createConnection({ uri: databaseUrl });
  const started = Date.now();
  try {
    for (;;) {
      const [rows] = await connection.query(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_total')",
      );
      const status = Object.fromEntries(
        (rows as Array<{ Variable_name: string; Value: string }>).map((row) => [row.Variable_name, Number(row.Value)]),
      );
      const dirtyPercent = (100 * (status.Innodb_buffer_pool_pages_dirty ?? 0)) / Math.max(1, status.Innodb_buffer_pool_pages_total ?? 1);
      if (dirtyPercent <= maxDirtyPercent || Date.now() - started > timeoutMs)
        return { dirtyPercent: Math.round(dirtyPercent * 10) / 10, waitedMs: Date.now() - started };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await connection.end();
  }
}
