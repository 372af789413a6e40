import type express from 'express';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { Logger } from '../core/logger.js';

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
  /** Told when readiness changes (with the errors' own messages, which /readyz does not show). */
  logger?: Logger;
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
  private lastReady: boolean | null = null;

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
    const results: Record<string, CheckResult & { error?: string }> = {};
    const [database, migrations, redis] = await Promise.all([
      this.timed('database', () => this.databaseAnswers()),
      this.timed('migrations', () => this.migrationsApplied()),
      this.redis ? this.timed('redis', () => this.redisAnswers()) : null,
    ]);
    results.database = database;
    results.migrations = migrations;
    if (redis) results.redis = redis;
    const ready = Object.values(results).every((c) => c.ok);
    this.noteChange(ready, results);
    const checks = Object.fromEntries(Object.entries(results).map(([name, { ok, detail }]) => [name, detail ? { ok, detail } : { ok }]));
    return { ready, checks };
  }

  /** One log line when readiness changes, not one per probe (a load balancer asks every few seconds). */
  private noteChange(ready: boolean, results: Record<string, CheckResult & { error?: string }>): void {
    if (ready === this.lastReady) return;
    const first = this.lastReady === null;
    this.lastReady = ready;
    if (ready) {
      if (!first) this.options.logger?.info('Ready again: /readyz answers 200');
      return;
    }
    const failing = Object.entries(results).filter(([, c]) => !c.ok);
    this.options.logger?.error(`Not ready: /readyz answers 503 (${failing.map(([name]) => name).join(', ')})`, undefined, {
      failing: Object.fromEntries(failing.map(([name, c]) => [name, c.error ?? c.detail])),
    });
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

  /**
   * Runs a check; an error or no answer within the timeout fails it with the reason. An error's own message
   * (it may name hosts and ports) goes to the log only; /readyz shows its code.
   */
  private async timed(name: string, check: () => Promise<CheckResult>): Promise<CheckResult & { error?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: `The ${name} check did not answer within ${this.options.timeoutMs} ms.` }),
        this.options.timeoutMs,
      );
    });
    try {
      const failed = (error: unknown) => ({ ok: false, detail: `The ${name} check failed (${codeOf(error)}).`, error: messageOf(error) });
      return await Promise.race([check().catch(failed), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : error instanceof Error ? error.name : 'error';
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
