import { DataSource } from 'typeorm';
import { badInput, IntegrationErrorCode, integrationError, notFound } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { recordAudit } from '../audit/index.js';
import { hashToken, newSecretToken } from '../auth/index.js';
import { actorOf, type Viewer } from '../core/viewer.js';
import { newId } from '../core/db/columns.js';
import { inTransaction } from '../core/db/transaction.js';
import type { EventBus } from '../core/events.js';
import { destinationRefusal, integrationKind, type IntegrationKind } from './connectors/catalog.js';
import { ConnectorError, type ConnectorEnvironment, type ConnectorErrorCode } from './connectors/connector.js';
import { IntegrationEntity } from './integration.entity.js';
import {
  defaultIntegrationOptions,
  initialStatus,
  IntegrationStatus,
  IntegrationType,
  parseIntegrationOptions,
  statusWhenEnabled,
  type IntegrationOptions,
} from './integration-kinds.js';
import {
  assertMayConfigure,
  definedOnly,
  replacedCredentials,
  validCredentials,
  validInterval,
  validName,
  validOptions,
  type CredentialValue,
} from './integration-input.js';
import type { SecretBox } from './secret-box.js';
import { queueRun, SYNC_EVENT } from './sync/sync-engine.js';
import { ACTIVE_SYNC_STATES, SyncRunEntity, SyncRunState, SyncTrigger } from './sync/sync-run.entity.js';

export type { CredentialValue } from './integration-input.js';

export interface NewIntegration {
  name: string;
  type: IntegrationType;
  credentials: CredentialValue[];
  options: Partial<IntegrationOptions>;
  syncIntervalMinutes: number | null;
}

export interface IntegrationChanges {
  name?: string | null;
  /** Replaces the named credential fields only; the others stay as they were. */
  credentials?: CredentialValue[] | null;
  options?: Partial<IntegrationOptions> | null;
  /** undefined: unchanged; null: scheduled syncs off. */
  syncIntervalMinutes?: number | null;
}

export interface ConnectionTestResult {
  ok: boolean;
  code: ConnectorErrorCode | null;
  message: string;
}

/** The SCIM bearer token's recognisable start; the rest is 32 random bytes. */
const SCIM_TOKEN_PREFIX = 'scim_';

/** How a SCIM request's bearer token is looked up: only this hash is stored. */
export const scimTokenHash = (token: string): string => hashToken(token);

/**
 * Setting up integrations: create, change, test, rotate the SCIM token, disable, delete, and start, confirm
 * or cancel syncs. Credentials are sealed (AES-256-GCM, bound to the integration id) the moment they arrive
 * and are only ever opened to build a connector: no method returns them and no log line or audit entry
 * holds them (audit entries name the fields that changed, never their values).
 */
export class IntegrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly env: () => ConnectorEnvironment,
    private readonly onRunQueued: () => void,
  ) {}

  async find(accountId: string, id: string, field = 'id'): Promise<IntegrationEntity> {
    const integration = await this.dataSource.getRepository(IntegrationEntity).findOneBy({ id, accountId });
    if (!integration) throw notFound('Integration', field);
    return integration;
  }

  /** The names of the credential fields that hold a value (never the values). */
  credentialFieldsSet(integration: IntegrationEntity): string[] {
    return Object.keys(this.currentCredentials(integration)).sort();
  }

  async create(viewer: Viewer, input: NewIntegration): Promise<{ integration: IntegrationEntity; scimToken: string | null }> {
    const kind = this.kindFor(input.type, 'input.type');
    const name = validName(input.name);
    const options = validOptions(viewer, { ...defaultIntegrationOptions(input.type), ...definedOnly(input.options) });
    const interval = validInterval(kind, input.syncIntervalMinutes);
    const credentials = validCredentials(kind, {}, input.credentials, true);
    await this.assertDestinationAllowed(kind, credentials);
    const now = new Date();
    const scimToken = kind.pushOnly ? SCIM_TOKEN_PREFIX + newSecretToken() : null;
    const integration: IntegrationEntity = {
      id: newId(),
      accountId: viewer.accountId,
      type: input.type,
      name,
      // A SCIM integration works once its token is pasted into the IdP; a pull integration proves itself by its first test or sync.
      status: initialStatus(input.type),
      sealedCredentials: null,
      options: JSON.stringify(options),
      scimTokenHash: scimToken ? scimTokenHash(scimToken) : null,
      scimTokenPrefix: scimToken ? scimToken.slice(0, 12) : null,
      scimTokenRotatedAt: scimToken ? now : null,
      syncIntervalMinutes: interval,
      lastSyncAt: null,
      nextSyncAt: interval ? new Date(now.getTime() + interval * 60_000) : null,
      lastError: null,
      createdBy: viewer.personId,
      createdAt: now,
      updatedAt: now,
    };
    if (Object.keys(credentials).length) integration.sealedCredentials = this.secretBox.seal(JSON.stringify(credentials), integration.id);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(IntegrationEntity, integration);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        {
          action: 'integration.created',
          targetId: integration.id,
          details: { name, type: input.type, credentialFields: Object.keys(credentials).sort(), options, syncIntervalMinutes: interval },
        },
      ]);
    });
    return { integration, scimToken };
  }

  async update(viewer: Viewer, id: string, changes: IntegrationChanges): Promise<IntegrationEntity> {
    const integration = await this.find(viewer.accountId, id, 'input.id');
    assertMayConfigure(viewer, integration);
    const kind = this.kindFor(integration.type, 'input.id');
    const update: Partial<IntegrationEntity> = { updatedAt: new Date() };
    const audit: Record<string, unknown> = {};
    if (changes.name != null) update.name = audit.name = validName(changes.name);
    if (changes.options != null) {
      const options = validOptions(viewer, {
        ...parseIntegrationOptions(integration.type, integration.options),
        ...definedOnly(changes.options),
      });
      update.options = JSON.stringify(options);
      audit.options = options;
    }
    if (changes.syncIntervalMinutes !== undefined) {
      const interval = validInterval(kind, changes.syncIntervalMinutes);
      update.syncIntervalMinutes = audit.syncIntervalMinutes = interval;
      update.nextSyncAt = interval ? new Date(Date.now() + interval * 60_000) : null;
    }
    if (changes.credentials?.length) {
      const current = this.currentCredentials(integration);
      const merged = replacedCredentials(kind, current, changes.credentials);
      await this.assertDestinationAllowed(kind, merged);
      update.sealedCredentials = this.secretBox.seal(JSON.stringify(merged), integration.id);
      audit.credentialFieldsReplaced = changes.credentials.map((c) => c.name).sort();
    }
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(IntegrationEntity, { id, accountId: viewer.accountId }, update);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [{ action: 'integration.updated', targetId: id, details: audit }]);
    });
    return { ...integration, ...update };
  }

  /**
   * Tests a saved integration (optionally with replacement credentials typed in the form, not saved) or
   * unsaved credentials of a type (the setup wizard). A saved integration's status follows the result.
   */
  async testConnection(
    viewer: Viewer,
    input: { id?: string | null; type?: IntegrationType | null; credentials?: CredentialValue[] | null },
  ): Promise<ConnectionTestResult> {
    let integration: IntegrationEntity | null = null;
    let type: IntegrationType;
    let credentials: Record<string, string>;
    if (input.id) {
      integration = await this.find(viewer.accountId, input.id, 'input.id');
      type = integration.type;
      const current = this.currentCredentials(integration);
      credentials = input.credentials?.length ? replacedCredentials(this.kindFor(type, 'input.id'), current, input.credentials) : current;
    } else if (input.type) {
      type = input.type;
      credentials = validCredentials(this.kindFor(type, 'input.type'), {}, input.credentials ?? [], true);
    } else {
      throw badInput('input.id', 'Give the integration to test, or a type and credentials.');
    }
    const kind = this.kindFor(type, input.id ? 'input.id' : 'input.type');
    if (!kind.connect)
      throw integrationError(
        IntegrationErrorCode.SYNC_NOT_SUPPORTED,
        `${kind.displayName} is pushed to Roster; there is no connection to test from here.`,
      );
    let result: ConnectionTestResult;
    try {
      const check = await kind.connect(credentials, this.env()).testConnection();
      result = { ok: true, code: null, message: check.summary };
    } catch (error) {
      if (!(error instanceof ConnectorError)) this.logger.error(`Connection test of a ${type} integration failed unexpectedly`, error);
      result =
        error instanceof ConnectorError
          ? { ok: false, code: error.code, message: error.message }
          : { ok: false, code: 'UPSTREAM_ERROR', message: 'The test failed unexpectedly; see the server log.' };
    }
    if (integration && integration.status !== IntegrationStatus.DISABLED && !input.credentials?.length) {
      await this.dataSource.getRepository(IntegrationEntity).update(
        { id: integration.id },
        {
          status: result.ok ? IntegrationStatus.CONNECTED : IntegrationStatus.ERROR,
          lastError: result.ok ? null : result.message,
          updatedAt: new Date(),
        },
      );
    }
    return result;
  }

  /** A new SCIM token, returned once; the old one stops working at once (only the new hash is kept). */
  async rotateScimToken(viewer: Viewer, id: string): Promise<{ integration: IntegrationEntity; scimToken: string }> {
    const integration = await this.find(viewer.accountId, id, 'input.id');
    if (integration.type !== IntegrationType.SCIM) throw badInput('input.id', 'Only a SCIM integration has a token.');
    // Whoever holds the token provisions users with the integration's default role.
    assertMayConfigure(viewer, integration);
    const scimToken = SCIM_TOKEN_PREFIX + newSecretToken();
    const now = new Date();
    const update = {
      scimTokenHash: scimTokenHash(scimToken),
      scimTokenPrefix: scimToken.slice(0, 12),
      scimTokenRotatedAt: now,
      updatedAt: now,
    };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.update(IntegrationEntity, { id, accountId: viewer.accountId }, update);
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'integration.scim_token_rotated', targetId: id, details: { prefix: update.scimTokenPrefix } },
      ]);
    });
    return { integration: { ...integration, ...update }, scimToken };
  }

  /** Disabling stops scheduled syncs and refuses SCIM requests; a queued or running sync is cancelled. */
  async setEnabled(viewer: Viewer, id: string, enabled: boolean): Promise<IntegrationEntity> {
    const integration = await this.find(viewer.accountId, id, 'input.id');
    const now = new Date();
    const update: Partial<IntegrationEntity> = enabled
      ? {
          status: integration.status === IntegrationStatus.DISABLED ? statusWhenEnabled(integration) : integration.status,
          nextSyncAt: integration.syncIntervalMinutes ? new Date(now.getTime() + integration.syncIntervalMinutes * 60_000) : null,
          updatedAt: now,
        }
      : { status: IntegrationStatus.DISABLED, nextSyncAt: null, updatedAt: now };
    const cancelled = await inTransaction(this.dataSource, async (manager) => {
      await manager.update(IntegrationEntity, { id }, update);
      const runs = enabled
        ? []
        : await manager.getRepository(SyncRunEntity).find({ where: { integrationId: id, activeKey: id }, select: { id: true } });
      if (runs.length)
        await manager.update(
          SyncRunEntity,
          { integrationId: id, activeKey: id },
          {
            state: SyncRunState.CANCELLED,
            activeKey: null,
            leaseOwner: null,
            leaseUntil: null,
            finishedAt: now,
            error: 'Cancelled: the integration was disabled.',
          },
        );
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: enabled ? 'integration.enabled' : 'integration.disabled', targetId: id },
      ]);
      return runs.map((r) => r.id);
    });
    for (const runId of cancelled)
      this.events.publish({ accountId: viewer.accountId, type: SYNC_EVENT, userIds: [], jobId: runId, at: now });
    return { ...integration, ...update };
  }

  /** Deletes the integration, its runs and its links; the users, groups and companies it brought in stay. */
  async remove(viewer: Viewer, id: string): Promise<IntegrationEntity> {
    const integration = await this.find(viewer.accountId, id, 'input.id');
    await inTransaction(this.dataSource, async (manager) => {
      await manager.delete(IntegrationEntity, { id, accountId: viewer.accountId });
      await recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'integration.deleted', targetId: id, details: { name: integration.name, type: integration.type } },
      ]);
    });
    return integration;
  }

  async startSync(viewer: Viewer, integrationId: string, dryRun: boolean): Promise<SyncRunEntity> {
    const integration = await this.find(viewer.accountId, integrationId, 'input.integrationId');
    const kind = this.kindFor(integration.type, 'input.integrationId');
    if (!kind.connect)
      throw integrationError(
        IntegrationErrorCode.SYNC_NOT_SUPPORTED,
        `${kind.displayName} pushes changes to Roster as they happen; there is nothing to sync from here.`,
      );
    if (integration.status === IntegrationStatus.DISABLED)
      throw integrationError(IntegrationErrorCode.INTEGRATION_DISABLED, 'This integration is disabled; enable it to sync.');
    const run = await queueRun(this.dataSource, integration, { dryRun, trigger: SyncTrigger.MANUAL, requestedBy: viewer.personId });
    if (!run) {
      const active = await this.dataSource.getRepository(SyncRunEntity).findOneBy({ activeKey: integration.id });
      throw integrationError(
        IntegrationErrorCode.SYNC_ALREADY_RUNNING,
        active?.state === SyncRunState.AWAITING_CONFIRMATION
          ? 'A sync of this integration is waiting for your confirmation; confirm or cancel it first.'
          : 'A sync of this integration is already running; wait for it to finish or cancel it.',
        { runId: active?.id ?? null },
      );
    }
    await inTransaction(this.dataSource, (manager) =>
      recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'integration.sync_started', targetId: integration.id, details: { runId: run.id, dryRun } },
      ]),
    );
    this.events.publish({ accountId: viewer.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
    this.onRunQueued();
    return run;
  }

  /** Lets a run stopped by the mass-suspend safeguard go on and suspend the users it listed. */
  async confirmSync(viewer: Viewer, runId: string): Promise<SyncRunEntity> {
    const run = await this.findRun(viewer.accountId, runId, 'input.runId');
    const confirmed = await this.dataSource
      .getRepository(SyncRunEntity)
      .update(
        { id: run.id, state: SyncRunState.AWAITING_CONFIRMATION },
        { state: SyncRunState.QUEUED, removalsConfirmed: true, leaseOwner: null, leaseUntil: null },
      );
    if (!confirmed.affected)
      throw integrationError(IntegrationErrorCode.SYNC_RUN_NOT_ACTIVE, 'This sync is not waiting for a confirmation.', {
        state: run.state,
      });
    await inTransaction(this.dataSource, (manager) =>
      recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'integration.sync_confirmed', targetId: run.integrationId, details: { runId, suspensions: run.pendingSuspensions } },
      ]),
    );
    this.events.publish({ accountId: viewer.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
    this.onRunQueued();
    return this.findRun(viewer.accountId, runId);
  }

  /** Stops a queued, running or waiting run; what it already did stays done. */
  async cancelSync(viewer: Viewer, runId: string): Promise<SyncRunEntity> {
    const run = await this.findRun(viewer.accountId, runId, 'input.runId');
    const now = new Date();
    const cancelled = await this.dataSource
      .getRepository(SyncRunEntity)
      .createQueryBuilder()
      .update()
      .set({ state: SyncRunState.CANCELLED, activeKey: null, leaseOwner: null, leaseUntil: null, finishedAt: now })
      .where('id = :id AND state IN (:...active)', { id: run.id, active: ACTIVE_SYNC_STATES })
      .execute();
    if (!cancelled.affected)
      throw integrationError(IntegrationErrorCode.SYNC_RUN_NOT_ACTIVE, 'This sync has already ended.', { state: run.state });
    await inTransaction(this.dataSource, (manager) =>
      recordAudit(manager, viewer.accountId, actorOf(viewer), [
        { action: 'integration.sync_cancelled', targetId: run.integrationId, details: { runId } },
      ]),
    );
    this.events.publish({ accountId: viewer.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: now });
    return this.findRun(viewer.accountId, runId);
  }

  async findRun(accountId: string, runId: string, field = 'id'): Promise<SyncRunEntity> {
    const run = await this.dataSource.getRepository(SyncRunEntity).findOneBy({ id: runId, accountId });
    if (!run) throw notFound('Sync run', field);
    return run;
  }

  /** Request forgery: credentials that point where Roster may not call (plain http, a private address) are not saved. */
  private async assertDestinationAllowed(kind: IntegrationKind, credentials: Record<string, string>): Promise<void> {
    const refusal = await destinationRefusal(kind, credentials, this.env());
    if (refusal) throw badInput('input.credentials', refusal);
  }

  private kindFor(type: IntegrationType, field: string): IntegrationKind {
    const kind = integrationKind(type);
    if (!kind || (!kind.pushOnly && !kind.connect)) throw badInput(field, `${type} integrations are not available yet.`);
    return kind;
  }

  /** The stored credentials, or none when sealed under another key (ROSTER_CREDENTIALS_KEY changed): then the form asks for all again. */
  private currentCredentials(integration: IntegrationEntity): Record<string, string> {
    if (!integration.sealedCredentials) return {};
    try {
      return JSON.parse(this.secretBox.open(integration.sealedCredentials, integration.id)) as Record<string, string>;
    } catch {
      return {};
    }
  }
}
