import type { DataSource } from 'typeorm';
import { isAdministrator } from '../accounts/roles.js';
import { UsersService } from '../accounts/users.service.js';
import { clearSessionCookie, serializeSessionCookie } from '../auth/cookies.js';
import { SessionService, type SessionLookup } from '../auth/session.service.js';
import { ApiKeyService, type ApiKeyLookup } from '../auth/api-keys/api-key.service.js';
import type { Viewer } from '../auth/viewer.js';
import type { RosterConfig } from '../core/config.js';
import { badInput, forbidden, unauthenticated } from '../core/errors.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from '../core/logger.js';
import { InvitationService } from '../invitations/invitation.service.js';
import { InvitationExpirySweeper } from '../invitations/expiry-sweeper.js';
import { ImportRunner, type ImportRunnerOptions } from '../imports/import-runner.js';
import { ImportService } from '../imports/import.service.js';
import { NamedCollection } from '../core/lists/named-collection.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import { AssignmentsService } from '../accounts/assignments.service.js';
import { DevMailbox } from '../mail/dev-mailbox.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../mail/outbox-worker.js';
import { DevMailboxTransport, ResendTransport, type EmailTransport } from '../mail/transport.js';
import { InProcessEventBus, type EventBus } from '../realtime/events.js';
import { SecretBox } from '../integrations/secret-box.js';
import { resolveCredentialsKey } from '../integrations/credentials-key.js';
import { ProvisioningService } from '../integrations/provisioning.service.js';
import { UserAdminService } from '../accounts/user-admin.service.js';
import { AuditLogService } from '../audit/audit-log.service.js';
import { WebhookService } from '../webhooks/webhook.service.js';
import { WebhookWorker, type WebhookWorkerOptions } from '../webhooks/webhook-worker.js';
import { IntegrationService } from '../integrations/integration.service.js';
import { SyncEngine, type SyncEngineOptions } from '../integrations/sync/sync-engine.js';
import { realSleep, type ConnectorEnvironment } from '../integrations/connectors/connector.js';
import { OutboundHttp } from '../core/http/outbound-http.js';

/** Long-lived services shared by every request. */
export interface Services {
  config: RosterConfig;
  dataSource: DataSource;
  events: EventBus;
  sessions: SessionService;
  /** API keys: creation, revocation and `Authorization: Bearer` authentication. */
  apiKeys: ApiKeyService;
  users: UsersService;
  invitations: InvitationService;
  outbox: OutboxWorker;
  expirySweeper: InvitationExpirySweeper;
  devMailbox: DevMailbox;
  imports: ImportService;
  companies: NamedCollection<CompanyEntity>;
  groups: NamedCollection<GroupEntity>;
  assignments: AssignmentsService;
  importRunner: ImportRunner;
  /** Seals and opens integration credentials (AES-256-GCM). */
  secretBox: SecretBox;
  /** Turns upstream users, groups and companies into Roster's (SCIM and every sync). */
  provisioning: ProvisioningService;
  /** Role changes, suspensions and restores by administrators. */
  userAdmin: UserAdminService;
  auditLog: AuditLogService;
  /** Webhook endpoints and deliveries; the worker POSTs them. */
  webhooks: WebhookService;
  webhookWorker: WebhookWorker;
  /** Integration set-up, connection tests and sync requests. */
  integrations: IntegrationService;
  /** Runs syncs (resumable, leased) and starts scheduled ones. */
  syncEngine: SyncEngine;
  /** The one client for calls to other servers (vendors, webhooks, the email provider): guarded, with deadlines. */
  outbound: OutboundHttp;
}

export interface ServiceOptions {
  logger: Logger;
  outbox?: OutboxWorkerOptions;
  /** Replaces the transport chosen from configuration (tests). */
  transport?: EmailTransport;
  /** The event bus: Redis when REDIS_URL is set, else in-process. */
  events?: EventBus;
  importRunner?: ImportRunnerOptions;
  webhooks?: WebhookWorkerOptions;
  syncEngine?: SyncEngineOptions;
  /** Replaces how connectors reach outside platforms (tests). */
  connectorEnvironment?: Partial<ConnectorEnvironment>;
}

export function createServices(config: RosterConfig, dataSource: DataSource, options: ServiceOptions): Services {
  const events = options.events ?? new InProcessEventBus();
  // The one client for calls to other servers. The setting is read at every request: it may be changed while
  // running (tests do). Made first, so every transport and connector can be given it.
  const outbound = new OutboundHttp({ allowPrivateNetworks: () => config.outboundAllowPrivateNetworks });
  const transport =
    options.transport ??
    (config.resendApiKey
      ? new ResendTransport(config.resendApiKey, config.resendBaseUrl, config.mailFrom)
      : new DevMailboxTransport((line) => options.logger.info(line)));
  const outbox = new OutboxWorker(dataSource, transport, events, options.logger, options.outbox);
  const invitations = new InvitationService(dataSource, events, () => config.publicUrl, () => outbox.nudge());
  const secretBox = new SecretBox(resolveCredentialsKey(config));
  const provisioning = new ProvisioningService(dataSource, events, invitations);
  const connectorEnvironment = (): ConnectorEnvironment => ({
    http: outbound.with({ timeoutMs: 60_000, userAgent: 'Roster-Integrations/1' }),
    sleep: realSleep,
    microsoftLoginBaseUrl: config.microsoftLoginBaseUrl,
    microsoftGraphBaseUrl: config.microsoftGraphBaseUrl,
    ...options.connectorEnvironment,
  });
  const syncEngine = new SyncEngine(dataSource, provisioning, secretBox, events, options.logger, connectorEnvironment(), options.syncEngine);
  const webhooks = new WebhookService(dataSource, outbound, secretBox, () => webhookWorker.nudge());
  const webhookWorker = new WebhookWorker(dataSource, webhooks, outbound.with({ userAgent: 'Roster-Webhooks/1' }), options.logger, events, options.webhooks);
  const importRunner = new ImportRunner(dataSource, invitations, events, options.logger, options.importRunner);
  return {
    config,
    dataSource,
    events,
    sessions: new SessionService(dataSource, config.sessionTtlHours),
    apiKeys: new ApiKeyService(dataSource),
    users: new UsersService(dataSource),
    invitations,
    outbox,
    expirySweeper: new InvitationExpirySweeper(dataSource, events, options.logger),
    devMailbox: new DevMailbox(dataSource),
    imports: new ImportService(dataSource, config.importMaxBytes, () => importRunner.nudge()),
    importRunner,
    secretBox,
    userAdmin: new UserAdminService(dataSource, events),
    auditLog: new AuditLogService(dataSource),
    webhooks,
    webhookWorker,
    provisioning,
    integrations: new IntegrationService(dataSource, secretBox, events, options.logger, connectorEnvironment, () => syncEngine.nudge()),
    syncEngine,
    outbound,
    companies: new NamedCollection(dataSource, CompanyEntity, 'company'),
    groups: new NamedCollection(dataSource, GroupEntity, 'group', (input) => {
      if (input.description === undefined) return {};
      const description = input.description === null ? '' : String(input.description).trim();
      if (description.length > 1000) throw badInput('input.description', 'A description has at most 1,000 characters.');
      return { description: description || null };
    }),
    assignments: new AssignmentsService(dataSource, events),
  };
}

/** What every resolver receives. The viewer is resolved lazily, once, on first use. */
export class RequestContext {
  private viewerPromise: Promise<Viewer> | null = null;
  private loadersFor: { accountId: string; loaders: Loaders } | null = null;
  /** The rate limiter's lookup of this request's credentials (it verifies them first), reused so they are looked up once. */
  verifiedCredentials: Promise<SessionLookup> | Promise<ApiKeyLookup> | null = null;
  /** Closes this subscription's WebSocket when the person may no longer see its events (see realtime/live-access.ts). */
  onLiveAccessEnded: ((code: number, reason: string) => void) | null = null;

  constructor(
    readonly services: Services,
    /** The session cookie's (or connectionParams') token; live subscriptions look it up again for each event. */
    readonly sessionToken: string | undefined,
    /** Adds a Set-Cookie header to the response; absent on WebSocket requests. */
    private readonly setCookieHeader: ((value: string) => void) | null,
    /** The request's Authorization header: when present, the caller is an API key and the cookie is ignored. */
    readonly authorization?: string,
  ) {}

  viewer(): Promise<Viewer> {
    if (this.authorization !== undefined) {
      this.viewerPromise ??= ((this.verifiedCredentials as Promise<ApiKeyLookup> | null) ?? this.services.apiKeys.authenticate(this.authorization)).then((result) => {
        if (!result.viewer) throw unauthenticated(result.reason);
        return result.viewer;
      });
      return this.viewerPromise;
    }
    this.viewerPromise ??= ((this.verifiedCredentials as Promise<SessionLookup> | null) ?? this.services.sessions.lookup(this.sessionToken)).then((result) => {
      if (!result.viewer) throw unauthenticated(result.reason);
      if (result.renewedToken) this.setSessionCookie(result.renewedToken);
      return result.viewer;
    });
    return this.viewerPromise;
  }

  /** The viewer, who must administer the current account. */
  async admin(): Promise<Viewer> {
    const viewer = await this.viewer();
    if (!isAdministrator(viewer.role)) throw forbidden('Your role does not give access to the admin dashboard.', { requiredRole: 'ADMIN' });
    return viewer;
  }

  /** Loaders of the current account; the viewer must have been resolved first. */
  loaders(viewer: Viewer): Loaders {
    if (this.loadersFor?.accountId !== viewer.accountId) {
      this.loadersFor = { accountId: viewer.accountId, loaders: createLoaders(this.services.dataSource, viewer.accountId) };
    }
    return this.loadersFor.loaders;
  }

  /** Forgets batched loads, so a long-lived subscription reads fresh relations for each event. */
  resetLoaders(): void {
    this.loadersFor = null;
  }

  /** Replaces the viewer after sign-in or an account switch within this request. */
  useViewer(viewer: Viewer): void {
    this.viewerPromise = Promise.resolve(viewer);
  }

  setSessionCookie(token: string): void {
    this.setCookieHeader?.(
      serializeSessionCookie(token, { maxAgeSeconds: this.services.sessions.ttlSeconds, secure: this.services.config.publicUrl.startsWith('https:') }),
    );
  }

  clearSessionCookie(): void {
    this.setCookieHeader?.(clearSessionCookie(this.services.config.publicUrl.startsWith('https:')));
  }
}

