import type { DataSource } from 'typeorm';
import { UsersService } from '../accounts/users.service.js';
import { SessionService } from '../auth/session.service.js';
import { MfaService } from '../auth/mfa/mfa.service.js';
import { MemoryFailureCounts, RedisFailureCounts, SignInThrottle } from '../auth/sign-in-throttle.js';
import { SsoService } from '../auth/sso/sso.service.js';
import { ApiKeyService } from '../auth/api-keys/api-key.service.js';
import type { RosterConfig } from '../core/config.js';
import type { Services } from '../core/context.js';
import { badInput } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { InvitationService } from '../invitations/invitation.service.js';
import { InvitationExpirySweeper } from '../invitations/expiry-sweeper.js';
import type { InvitationReminderOptions } from '../invitations/reminder-sweeper.js';
import { ImportRunner, type ImportRunnerOptions } from '../imports/import-runner.js';
import { ImportService } from '../imports/import.service.js';
import { ImportPreviewSweeper, type ImportPreviewSweeperOptions } from '../imports/preview-sweeper.js';
import { NamedCollection, type AuditChange } from '../core/lists/named-collection.js';
import { reactToAuditEntries, recordAudit } from '../audit/audit.js';
import { enqueueWebhookDeliveries } from '../webhooks/webhook-events.js';
import { actorOf } from '../core/viewer.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { AssignmentsService } from '../accounts/assignments.service.js';
import { DevMailbox } from '../mail/dev-mailbox.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../mail/outbox-worker.js';
import { DevMailboxTransport, ResendTransport, type EmailTransport } from '../mail/transport.js';
import { createSendRateLimiter } from '../mail/send-rate.js';
import { InProcessEventBus, type EventBus } from '../core/events.js';
import { SecretBox } from '../integrations/secret-box.js';
import { resolveCredentialsKey } from '../integrations/credentials-key.js';
import { ProvisioningService } from '../integrations/provisioning.service.js';
import { UserAdminService } from '../accounts/user-admin.service.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import { WebhookWorker, type WebhookWorkerOptions } from '../webhooks/webhook-worker.js';
import { IntegrationService } from '../integrations/integration.service.js';
import { IntegrationOwnership } from '../integrations/managed-by.js';
import { SyncEngine, type SyncEngineOptions } from '../integrations/sync/sync-engine.js';
import { realSleep, type ConnectorEnvironment } from '../integrations/connectors/connector.js';
import { OutboundHttp } from '../core/http/outbound-http.js';
import { VaultService, type VaultServiceOptions } from '../vault/index.js';
import { Metrics } from '../core/metrics.js';
import { registerOutboxMetrics, resendAnswerCounter } from '../mail/mail-metrics.js';
import { registerWebhookMetrics } from '../webhooks/webhook-metrics.js';
import { registerPoolMetrics } from './db/pool-metrics.js';
import { metricsServed } from './http-metrics.js';

export interface ServiceOptions {
  logger: Logger;
  outbox?: OutboxWorkerOptions;
  /** Replaces the transport chosen from configuration (tests). */
  transport?: EmailTransport;
  /** The event bus: Redis when REDIS_URL is set, else in-process. */
  events?: EventBus;
  importRunner?: ImportRunnerOptions;
  importPreviewSweeper?: ImportPreviewSweeperOptions;
  invitationReminders?: InvitationReminderOptions;
  webhooks?: WebhookWorkerOptions;
  syncEngine?: SyncEngineOptions;
  /** Replaces how connectors reach outside platforms (tests). */
  connectorEnvironment?: Partial<ConnectorEnvironment>;
  /** The vault's reveal limits (tests). */
  vault?: VaultServiceOptions;
}

export function createServices(config: RosterConfig, dataSource: DataSource, options: ServiceOptions): Services {
  // Every audited change queues the webhook deliveries subscribed to it (webhooks react; audit names no listener).
  reactToAuditEntries(enqueueWebhookDeliveries);
  const events = options.events ?? new InProcessEventBus();
  // One registry per instance (tests run several in a process); what is read on scrape is registered here.
  const metrics = new Metrics({ processMetrics: metricsServed(config) });
  registerOutboxMetrics(metrics, dataSource);
  registerWebhookMetrics(metrics, dataSource);
  registerPoolMetrics(metrics, dataSource);
  const auditChange: AuditChange = (manager, viewer, entries) => recordAudit(manager, viewer.accountId, actorOf(viewer), entries);
  // The one client for calls to other servers. The setting is read at every request: it may be changed while
  // running (tests do). Made first, so every transport and connector can be given it.
  const outbound = new OutboundHttp({ allowPrivateNetworks: () => config.outboundAllowPrivateNetworks });
  const transport =
    options.transport ??
    (config.resendApiKey
      ? new ResendTransport(config.resendApiKey, config.resendBaseUrl, config.mailFrom, resendAnswerCounter(metrics))
      : new DevMailboxTransport((line) => options.logger.info(line)));
  // Resend's rate is per team: one limiter for every instance (in Redis when configured).
  const sendRate = config.resendApiKey
    ? createSendRateLimiter(
        { perSecond: config.resendRequestsPerSecond, redisUrl: config.redisUrl, apiKey: config.resendApiKey },
        options.logger,
      )
    : null;
  const outbox = new OutboxWorker(dataSource, transport, events, options.logger, {
    sendTimeoutMs: config.resendTimeoutMs,
    ...(sendRate ? { rateLimiter: sendRate, lanes: 2 } : {}),
    ...options.outbox,
  });
  const invitations = new InvitationService(
    dataSource,
    events,
    () => config.publicUrl,
    () => outbox.nudge(),
  );
  const secretBox = new SecretBox(resolveCredentialsKey(config));
  const provisioning = new ProvisioningService(dataSource, events, invitations);
  const vault = new VaultService(dataSource, secretBox, (key) => new SecretBox(key), { logger: options.logger, ...options.vault });
  const connectorEnvironment = (): ConnectorEnvironment => ({
    http: outbound.with({ timeoutMs: 60_000, userAgent: 'Roster-Integrations/1' }),
    sleep: realSleep,
    microsoftLoginBaseUrl: config.microsoftLoginBaseUrl,
    microsoftGraphBaseUrl: config.microsoftGraphBaseUrl,
    googleOAuthTokenUrl: config.googleOAuthTokenUrl,
    googleDirectoryBaseUrl: config.googleDirectoryBaseUrl,
    autotaskZoneDiscoveryUrl: config.autotaskZoneDiscoveryUrl,
    ...options.connectorEnvironment,
  });
  const syncEngine = new SyncEngine(
    dataSource,
    provisioning,
    secretBox,
    events,
    options.logger,
    connectorEnvironment(),
    options.syncEngine,
    vault.sync,
    metrics,
  );
  const webhooks = new WebhookService(dataSource, outbound, secretBox, () => webhookWorker.nudge());
  const webhookWorker = new WebhookWorker(
    dataSource,
    webhooks,
    outbound.with({ userAgent: 'Roster-Webhooks/1' }),
    options.logger,
    events,
    options.webhooks,
  );
  const importRunner = new ImportRunner(dataSource, invitations, events, options.logger, options.importRunner, metrics);
  const sessions = new SessionService(dataSource, config.sessionTtlHours);
  // Wrong passwords and second factors are counted for every instance together when they share Redis.
  const failureCounts = (namespace: string) =>
    config.redisUrl ? new RedisFailureCounts(config.redisUrl, namespace, options.logger) : new MemoryFailureCounts();
  sessions.throttle = new SignInThrottle({}, Date.now, failureCounts('password'));
  const mfa = new MfaService(dataSource, secretBox, sessions);
  mfa.throttle = new SignInThrottle({}, Date.now, failureCounts('second-factor'));
  return {
    config,
    dataSource,
    metrics,
    events,
    sessions,
    mfa,
    sso: new SsoService({
      dataSource,
      secretBox,
      http: outbound.with({ timeoutMs: 15_000, userAgent: 'Roster-SSO/1' }),
      sessions,
      invitations,
      publicUrl: () => config.publicUrl,
      // Read when a connection is saved, so a changed setting applies at once (tests point it at their provider).
      issuerBases: {
        get microsoftLoginBaseUrl() {
          return config.microsoftLoginBaseUrl;
        },
      },
    }),
    apiKeys: new ApiKeyService(dataSource),
    users: new UsersService(dataSource, events),
    invitations,
    outbox,
    sendRate,
    expirySweeper: new InvitationExpirySweeper(dataSource, events, options.logger),
    invitationReminders: invitations.reminderSweeper(options.logger, options.invitationReminders),
    devMailbox: new DevMailbox(dataSource),
    imports: new ImportService(dataSource, config.importMaxBytes, () => importRunner.nudge()),
    importRunner,
    importPreviewSweeper: new ImportPreviewSweeper(dataSource, options.logger, options.importPreviewSweeper),
    secretBox,
    userAdmin: new UserAdminService(dataSource, events),
    auditLog: new AuditLogService(dataSource),
    webhooks,
    webhookWorker,
    provisioning,
    integrations: new IntegrationService(dataSource, secretBox, events, options.logger, connectorEnvironment, () => syncEngine.nudge()),
    syncEngine,
    outbound,
    upstreamOwnership: new IntegrationOwnership(dataSource),
    companies: new NamedCollection(dataSource, CompanyEntity, 'company', auditChange),
    groups: new NamedCollection(dataSource, GroupEntity, 'group', auditChange, (input) => {
      if (input.description === undefined) return {};
      const description = input.description === null ? '' : String(input.description).trim();
      if (description.length > 1000) throw badInput('input.description', 'A description has at most 1,000 characters.');
      return { description: description || null };
    }),
    assignments: new AssignmentsService(dataSource, events),
    vault,
  };
}
