import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { applyDatabaseTimeouts, createDataSource } from './db/data-source.js';
import { seedDemoIfEmpty, type DemoSignIn } from './demo-seed.js';
import { redact, type RosterConfig } from '../core/config.js';
import type { Services } from '../core/context.js';
import { createServices } from './services.js';
import type { OutboxWorkerOptions } from '../mail/outbox-worker.js';
import type { EmailTransport } from '../mail/transport.js';
import type { ImportRunnerOptions } from '../imports/import-runner.js';
import type { ImportPreviewSweeperOptions } from '../imports/preview-sweeper.js';
import type { InvitationReminderOptions } from '../invitations/reminder-sweeper.js';
import type { WebhookWorkerOptions } from '../webhooks/webhook-worker.js';
import type { SyncEngineOptions } from '../integrations/sync/sync-engine.js';
import type { ConnectorEnvironment } from '../integrations/connectors/connector.js';
import { createHttpServer } from './http-server.js';
import { startMetricsServer } from './http-metrics.js';
import { Readiness } from './health.js';
import { ShutdownSteps } from './shutdown.js';
import { createLogger, type LogDestination, type Logger } from '../core/logger.js';
import { buildRosterSchema } from './schema.js';
import { RedisEventBus } from '../realtime/redis-event-bus.js';
import type { VaultServiceOptions } from '../vault/index.js';

export interface RunningRoster {
  url: string;
  port: number;
  dataSource: DataSource;
  services: Services;
  demo: DemoSignIn | null;
  /** The port /metrics is served on with METRICS_PORT (the real one when it is 0); null without. */
  metricsPort: number | null;
  /** What /readyz answers; `stop()` turns it to 503 first. */
  readiness: Readiness;
  logger: Logger;
  /**
   * Stops gracefully: /readyz answers 503 at once; the port stops accepting while in-flight requests finish
   * (WebSockets close with 1001) and the workers finish their current batch and hand their leases back; then
   * Redis and the database close.
   */
  stop(): Promise<void>;
  /** The steps of a stop in progress not finished yet (logged when the grace period runs out). */
  stillStopping(): string[];
}

export interface StartOptions {
  /** Receives every SQL statement (tests count queries with it). */
  sqlLogger?: TypeOrmLogger;
  logger?: Logger;
  /** Where the logger writes its JSON lines (default stdout); tests read them. Ignored with `logger`. */
  logDestination?: LogDestination;
  outbox?: OutboxWorkerOptions;
  transport?: EmailTransport;
  /** Run the outbox worker in this process (default true). */
  runOutboxWorker?: boolean;
  importRunner?: ImportRunnerOptions;
  importPreviewSweeper?: ImportPreviewSweeperOptions;
  /** The invitation reminder worker's schedule and clock (tests). */
  invitationReminders?: InvitationReminderOptions;
  /** Run the import runner in this process (default true). */
  runImportRunner?: boolean;
  syncEngine?: SyncEngineOptions;
  /** Run the sync engine and scheduler in this process (default true). */
  runSyncEngine?: boolean;
  /** Replaces how connectors reach outside platforms (tests). */
  connectorEnvironment?: Partial<ConnectorEnvironment>;
  webhooks?: WebhookWorkerOptions;
  /** Run the webhook delivery worker in this process (default true). */
  runWebhookWorker?: boolean;
  /** False: no background expiry sweep (a test that runs its own sweeper must not race this one). */
  runExpirySweeper?: boolean;
  /** How often open WebSockets re-check their session (default 30 s). */
  liveSessionCheckMs?: number;
  /** The vault's reveal limits and clock (tests). */
  vault?: VaultServiceOptions;
}

/** Opens the database, applies migrations, seeds the demo when asked, and listens. */
export async function startRoster(config: RosterConfig, options: StartOptions = {}): Promise<RunningRoster> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination });
  const dataSource = await createDataSource(config.database, { logger: options.sqlLogger });
  await dataSource.initialize();
  let closeEvents: () => Promise<void> = async () => {};
  let closeReadiness: () => Promise<void> = async () => {};
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.info(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
    applyDatabaseTimeouts(dataSource, config.databaseTimeouts);
    const demo = config.seedDemo ? await seedDemoIfEmpty(dataSource) : null;
    const events = config.redisUrl ? await RedisEventBus.connect(config.redisUrl, logger) : undefined;
    closeEvents = () => events?.close() ?? Promise.resolve();
    const services = createServices(config, dataSource, {
      events,
      logger,
      outbox: options.outbox,
      transport: options.transport,
      importRunner: options.importRunner,
      importPreviewSweeper: options.importPreviewSweeper,
      invitationReminders: options.invitationReminders,
      vault: options.vault,
      syncEngine: options.syncEngine,
      connectorEnvironment: options.connectorEnvironment,
      webhooks: options.webhooks,
    });
    const readiness = new Readiness(dataSource, { timeoutMs: config.readinessTimeoutMs, redisUrl: config.redisUrl, logger });
    closeReadiness = () => readiness.close();
    const http = await createHttpServer(await buildRosterSchema(), services, logger, {
      liveSessionCheckMs: options.liveSessionCheckMs,
      readiness,
    });
    await new Promise<void>((resolve, reject) => {
      http.server.once('error', reject);
      http.server.listen(config.port, config.host, () => resolve());
    });
    const port = (http.server.address() as AddressInfo).port;
    const metricsServer =
      config.metricsPort === null
        ? null
        : await startMetricsServer(services.metrics, config).catch(async (error) => {
            await http.close();
            throw error;
          });
    // With PORT=0 the real port is known only now; links in emails must carry it.
    if (config.publicUrlFromPort) config.publicUrl = `http://localhost:${port}`;
    if (options.runOutboxWorker !== false) services.outbox.start();
    if (options.runExpirySweeper !== false) services.expirySweeper.start();
    services.invitationReminders.start();
    services.importPreviewSweeper.start();
    if (options.runImportRunner !== false) services.importRunner.start();
    if (options.runWebhookWorker !== false) services.webhookWorker.start();
    if (options.runSyncEngine !== false) services.syncEngine.start();
    const url = config.publicUrl;
    const steps = new ShutdownSteps();
    return {
      url,
      port,
      dataSource,
      services,
      demo,
      readiness,
      logger,
      metricsPort: metricsServer?.port ?? null,
      async stop() {
        readiness.markShuttingDown();
        await Promise.all([
          steps.run('HTTP requests and WebSockets', async () => {
            await metricsServer?.close();
            await http.close();
          }),
          steps.run('invitation expiry sweeper', () => services.expirySweeper.stop()),
          steps.run('invitation reminders', () => services.invitationReminders.stop()),
          steps.run('import preview sweeper', () => services.importPreviewSweeper.stop()),
          steps.run('import runner', () => services.importRunner.stop()),
          steps.run('sync engine', () => services.syncEngine.stop()),
          steps.run('email outbox', async () => {
            await services.outbox.stop();
            await services.sendRate?.close();
          }),
          steps.run('webhook deliveries', () => services.webhookWorker.stop()),
        ]);
        await steps.run('Redis', async () => {
          await closeEvents();
          await closeReadiness();
          await services.sessions.throttle.counts.close();
          await services.mfa.throttle.counts.close();
        });
        await steps.run('database', () => dataSource.destroy());
      },
      stillStopping: () => steps.pending,
    };
  } catch (error) {
    await closeEvents().catch(() => {});
    await closeReadiness().catch(() => {});
    await dataSource.destroy().catch(() => {});
    throw error;
  }
}

export function describeDatabase(config: RosterConfig): string {
  return config.database.kind === 'mysql' ? `MySQL at ${redact(config.database.url)}` : `SQLite file ${config.database.file}`;
}
