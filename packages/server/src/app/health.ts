import type express from 'express';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';

/** One readiness check's answer: `ok`, or why not. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  /** Longest wait for the database or Redis to answer before the check counts as failed. */
  timeoutMs: number;
  /** Checked with PING when set (live events and rate limits need it). */
  redisUrl: string | null;
}

/**
 * What `/readyz` answers: whether this instance should get traffic. Ready means the database answers, every
 * migration this build knows is applied (an instance started against a database another build rolled back
 * must not serve), Redis answers when it is configured, and the instance is not shutting down. A load balancer
 * stops sending requests on the first 503; `/healthz` only says the process is alive (restart it if not).
 */
export class Readiness {
  private shuttingDown = false;
  private redis: Redis | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ReadinessOptions,
  ) {
    if (options.redisUrl) {
      // Its own connection: the live-event clients hold theirs in subscriber mode or queue nothing while away.
      this.redis = new Redis(options.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: options.timeoutMs,
      });
      this.redis.on('error', () => {});
    }
  }

  /** From now on /readyz answers 503 (the load balancer drains this instance while it finishes its work). */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async check(): Promise<ReadinessReport> {
    if (this.shuttingDown) return { ready: false, checks: { shutdown: { ok: false, detail: 'This instance is shutting down.' } } };
    const checks: Record<string, CheckResult> = {};
    const [database, migrations, redis] = await Promise.all([
      this.timed('database', () => this.databaseAnswers()),
      this.timed('migrations', () => this.migrationsApplied()),
      this.redis ? this.timed('redis', () => this.redisAnswers()) : null,
    ]);
    checks.database = database;
    checks.migrations = migrations;
    if (redis) checks.redis = redis;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  private async databaseAnswers(): Promise<CheckResult> {
    if (!this.dataSource.isInitialized) return { ok: false, detail: 'The database connection is closed.' };
    await this.dataSource.query('SELECT 1');
    return { ok: true };
  }

  private async migrationsApplied(): Promise<CheckResult> {
    if (!this.dataSource.isInitialized) return { ok: false, detail: 'The database connection is closed.' };
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const rows = (await this.dataSource.query(`SELECT name FROM ${table}`)) as Array<{ name: string }>;
    const applied = new Set(rows.map((row) => row.name));
    const pending = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
    if (pending.length === 0) return { ok: true };
    return { ok: false, detail: `${pending.length} migration(s) not applied: ${pending.join(', ')}.` };
  }

  private async redisAnswers(): Promise<CheckResult> {
    const redis = this.redis!;
    if (redis.status === 'wait' || redis.status === 'end') await redis.connect().catch(() => {});
    if (redis.status !== 'ready') return { ok: false, detail: `Redis is not connected (${redis.status}).` };
    const answer = await redis.ping();
    return answer === 'PONG' ? { ok: true } : { ok: false, detail: `Redis answered ${answer} to PING.` };
  }

  /** Runs a check; an error or no answer within the timeout fails it with the reason. */
  private async timed(name: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: `The ${name} check did not answer within ${this.options.timeoutMs} ms.` }),
        this.options.timeoutMs,
      );
    });
    try {
      return await Promise.race([check().catch((error: unknown) => ({ ok: false, detail: describe(error) })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}

/** `/healthz`: the process is alive and serving HTTP. `/readyz`: it should get traffic (see Readiness). */
export function mountHealthRoutes(app: express.Express, readiness: Readiness): void {
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await readiness.check();
    res
      .status(report.ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        ready: report.ready,
        checks: report.checks,
        failing: Object.entries(report.checks)
          .filter(([, c]) => !c.ok)
          .map(([name]) => name),
      });
  });
}
