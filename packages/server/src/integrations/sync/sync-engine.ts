import { randomBytes } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/roles.js';
import type { Logger } from '../../core/logger.js';
import { LeaseLost, RowLease } from '../../core/workers/lease.js';
import { PollingWorker } from '../../core/workers/polling-worker.js';
import { recordAudit } from '../../audit/audit.js';
import { newId, normalizeEmail, toSqlDateTime } from '../../core/db/columns.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import { inTransaction } from '../../core/db/transaction.js';
import { isUniqueViolation } from '../../core/db/unique-violation.js';
import type { EventBus } from '../../realtime/events.js';
import { integrationKind } from '../connectors/catalog.js';
import { ConnectorError, type Connector, type ConnectorEnvironment, type DirectoryCompany, type DirectoryGroup, type DirectoryPage, type DirectoryUser } from '../connectors/connector.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, IntegrationStatus, IntegrationType, UpstreamRemovalAction, type IntegrationOptions } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import type { SecretBox } from '../secret-box.js';
import { SyncItemAction, SyncRunItemEntity } from './sync-run-item.entity.js';
import { emptyCounts, SyncRunEntity, SyncRunState, SyncStage, SyncTrigger, type SyncCounts } from './sync-run.entity.js';

export interface SyncEngineOptions {
  /** How long a claimed run belongs to this engine without a renewal; after that another engine resumes it. */
  leaseMs?: number;
  /** How often the lease of the run being worked is renewed, also while a vendor request is pending (default a quarter of leaseMs). */
  renewEveryMs?: number;
  /** A pass (runs worked one after another) ends after this; the run in progress is handed back where it was. */
  passDeadlineMs?: number;
  pollMs?: number;
  workerId?: string;
  /** The time leases are judged by (tests move it). */
  now?: () => number;
  /** Called after each committed page (tests use it to interrupt a run at a chosen point). */
  afterPage?: (run: SyncRunEntity, stage: SyncStage) => void | Promise<void>;
}

/** A run changed: published after commit (the Integrations page refreshes its history from it). */
export const SYNC_EVENT = 'integration.sync' as const;

interface PageOutcome {
  counts: Partial<SyncCounts>;
  items: Array<Omit<SyncRunItemEntity, 'runId' | 'position'>>;
}

type ItemDraft = PageOutcome['items'][number];

/** Objects applied between two pauses for the event loop (SQLite answers synchronously; requests must get in). */
const YIELD_EVERY = 20;

const STAGE_ORDER = [SyncStage.COMPANIES, SyncStage.USERS, SyncStage.GROUPS, SyncStage.REMOVALS, SyncStage.DONE];

/**
 * Runs syncs. A run is claimed with a lease (a conditional UPDATE only one engine can win), then goes
 * through its stages page by page; after every page its cursor, counts and items commit together, so an
 * engine that dies is replaced by another (or itself after a restart) that resumes at the page it was on.
 * Writes go through the provisioning service, which is idempotent by (integration, external id), so a
 * page done twice creates nothing twice. The same timer starts scheduled syncs when they fall due.
 */
export class SyncEngine extends PollingWorker {
  private readonly options: Required<Omit<SyncEngineOptions, 'afterPage' | 'passDeadlineMs'>> & Pick<SyncEngineOptions, 'afterPage'>;
  private readonly lease: RowLease<SyncRunEntity>;
  private stopping = false;
  private finished = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
    private readonly secretBox: SecretBox,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly env: ConnectorEnvironment,
    options: SyncEngineOptions = {},
  ) {
    const resolved = { leaseMs: 120_000, pollMs: 5_000, workerId: `sync-${randomBytes(6).toString('hex')}`, now: Date.now, ...options };
    super(resolved.pollMs, logger, 'Sync engine', options.passDeadlineMs);
    this.options = { ...resolved, renewEveryMs: options.renewEveryMs ?? Math.round(resolved.leaseMs / 4) };
    this.lease = new RowLease(dataSource, {
      entity: SyncRunEntity,
      owner: resolved.workerId,
      leaseMs: resolved.leaseMs,
      now: resolved.now,
      held: { state: SyncRunState.RUNNING },
      describe: (id) => `Sync run ${id}`,
    });
  }

  override start(): void {
    this.stopping = false;
    super.start();
  }

  /** Hands the run in progress back at its next page (the next engine resumes it at once) and waits for that. */
  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
  }

  /** Starts the syncs that are due, then works every claimable run; resolves with how many it finished. */
  async runAll(): Promise<number> {
    const before = this.finished;
    await this.drain();
    return this.finished - before;
  }

  /** One step of a pass: start due syncs, then claim and work one run. Resolves 0 when there was nothing to do. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    if (this.stopping || signal?.aborted) return 0;
    await this.startDueSyncs();
    const run = await this.claim();
    if (!run) return 0;
    if (await this.work(run, signal)) this.finished++;
    return 1;
  }

  /**
   * Queues a run for every integration whose nextSyncAt has come. Moving nextSyncAt forward is a
   * compare-and-set on the old value, so of several instances only one starts each due sync.
   */
  async startDueSyncs(now = new Date()): Promise<number> {
    const repo = this.dataSource.getRepository(IntegrationEntity);
    const due = await repo
      .createQueryBuilder('i')
      .select(['i.id', 'i.accountId', 'i.nextSyncAt', 'i.syncIntervalMinutes', 'i.type'])
      .where('i.next_sync_at <= :now AND i.status <> :disabled AND i.sync_interval_minutes IS NOT NULL AND i.type <> :scim', {
        now: toSqlDateTime(now),
        disabled: IntegrationStatus.DISABLED,
        scim: IntegrationType.SCIM,
      })
      .limit(50)
      .getMany();
    let started = 0;
    for (const integration of due) {
      const next = new Date(now.getTime() + integration.syncIntervalMinutes! * 60_000);
      const taken = await repo
        .createQueryBuilder()
        .update()
        .set({ nextSyncAt: next })
        .where('id = :id AND next_sync_at = :previous', { id: integration.id, previous: toSqlDateTime(integration.nextSyncAt!) })
        .execute();
      if (!taken.affected) continue;
      const run = await queueRun(this.dataSource, integration, { dryRun: false, trigger: SyncTrigger.SCHEDULE, requestedBy: null });
      if (run) {
        started++;
        this.events.publish({ accountId: integration.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
      }
    }
    return started;
  }

  private claim(): Promise<SyncRunEntity | null> {
    return this.lease.claim({
      claimable: 'state IN (:...states)',
      parameters: { states: [SyncRunState.QUEUED, SyncRunState.RUNNING] },
      orderBy: 'created_at',
      set: { state: SyncRunState.RUNNING },
    });
  }

  /**
   * Works a claimed run until it ends (true), waits for confirmation, or is lost or handed back (false). Its
   * lease is renewed while it works, however long one vendor request takes; when the lease is lost (the run was
   * cancelled or taken over) or the pass ends (deadline, shutdown), the vendor request in flight is abandoned.
   */
  private work(run: SyncRunEntity, pass?: AbortSignal): Promise<boolean> {
    return this.lease.keepWhile(run.id, this.options.renewEveryMs, this.logger, (lost) =>
      this.workLeased(run, pass ? AbortSignal.any([pass, lost]) : lost, () => lost.aborted),
    );
  }

  private async workLeased(run: SyncRunEntity, abandon: AbortSignal, leaseLost: () => boolean): Promise<boolean> {
    const integration = await this.dataSource.getRepository(IntegrationEntity).findOneBy({ id: run.integrationId });
    // A clean shutdown or the pass's deadline hands the run back at once instead of making the next engine wait for the lease.
    const handBack = async () => {
      await this.dataSource.getRepository(SyncRunEntity).update({ id: run.id, leaseOwner: this.options.workerId, state: SyncRunState.RUNNING }, { state: SyncRunState.QUEUED, leaseOwner: null, leaseUntil: null });
      return false;
    };
    try {
      if (!integration) throw new ConnectorError('UPSTREAM_ERROR', 'The integration was deleted.');
      if (integration.status === IntegrationStatus.DISABLED) throw new ConnectorError('UPSTREAM_ERROR', 'The integration is disabled.');
      const connector = this.connectorFor(integration, abandon);
      const options = this.provisioning.optionsOf(integration);
      if (run.dryRun && run.startedAt) {
        // A dry run keeps what it saw in memory only (it writes nothing else), so an interrupted one starts over.
        await this.commitPage(run, { counts: {}, items: [] }, { stage: STAGE_ORDER[0]!, cursor: null, restart: true });
      }
      if (!run.startedAt) {
        run.startedAt = new Date();
        await this.renew(this.dataSource.manager, run, { startedAt: run.startedAt });
      }
      const seen = new Set<string>();
      while (run.stage !== SyncStage.DONE) {
        if (leaseLost()) return false;
        if (this.stopping || abandon.aborted) return await handBack();
        if (run.stage === SyncStage.REMOVALS) {
          const waiting = await this.removals(run, integration, options, seen);
          if (waiting) return false;
          continue;
        }
        const pages = this.pagesOf(connector, run.stage, run.cursor);
        if (!pages) {
          await this.commitPage(run, { counts: {}, items: [] }, { stage: nextStage(run.stage), cursor: null });
          continue;
        }
        const stage = run.stage;
        let interrupted = false;
        for await (const page of pages) {
          const outcome = await this.applyPage(run, integration, stage, page, seen);
          const last = page.next === null;
          await this.commitPage(run, outcome, last ? { stage: nextStage(stage), cursor: null } : { stage, cursor: page.next });
          if (!last) await this.options.afterPage?.(run, stage);
          await yieldToEventLoop();
          if ((this.stopping || abandon.aborted) && !last) {
            interrupted = true;
            break;
          }
        }
        if (!interrupted && (run.stage as SyncStage) === stage) {
          // The listing ended without a final page (nothing at all upstream): the stage is over.
          await this.commitPage(run, { counts: {}, items: [] }, { stage: nextStage(stage), cursor: null });
        }
      }
      await this.finish(run, integration!, SyncRunState.SUCCEEDED, null);
      return true;
    } catch (error) {
      if (error instanceof LeaseLost || leaseLost()) return false;
      // Abandoned mid-request (shutdown, the pass's deadline): not a failure of the run; it resumes from its last page.
      if (this.stopping || abandon.aborted) return await handBack();
      const message = error instanceof ConnectorError || error instanceof ProvisioningError ? error.message : 'The sync failed unexpectedly; see the server log.';
      if (!(error instanceof ConnectorError)) this.logger.error(`Sync run ${run.id} failed`, error);
      await this.finish(run, integration, SyncRunState.FAILED, message).catch((finishError) => {
        if (!(finishError instanceof LeaseLost)) throw finishError;
      });
      return false;
    }
  }

  private connectorFor(integration: IntegrationEntity, signal: AbortSignal): Connector {
    const kind = integrationKind(integration.type);
    if (!kind?.connect) throw new ConnectorError('UPSTREAM_ERROR', `${kind?.displayName ?? integration.type} integrations cannot be synced from Roster.`);
    let credentials: Record<string, string> = {};
    try {
      if (integration.sealedCredentials) credentials = JSON.parse(this.secretBox.open(integration.sealedCredentials, integration.id)) as Record<string, string>;
    } catch {
      throw new ConnectorError('AUTHENTICATION_FAILED', 'The stored credentials cannot be opened with this server’s ROSTER_CREDENTIALS_KEY (was the key changed?); enter them again.');
    }
    return kind.connect(credentials, { ...this.env, signal });
  }

  private pagesOf(connector: Connector, stage: SyncStage, cursor: string | null): AsyncIterable<DirectoryPage<DirectoryUser | DirectoryGroup | DirectoryCompany>> | null {
    if (stage === SyncStage.USERS) return connector.listUsers(cursor);
    if (stage === SyncStage.GROUPS) return connector.listGroups?.(cursor) ?? null;
    if (stage === SyncStage.COMPANIES) return connector.listCompanies?.(cursor) ?? null;
    return null;
  }

  private async applyPage(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    stage: SyncStage,
    page: DirectoryPage<DirectoryUser | DirectoryGroup | DirectoryCompany>,
    seen: Set<string>,
  ): Promise<PageOutcome> {
    const outcome: PageOutcome = { counts: {}, items: [] };
    const count = (key: keyof SyncCounts) => void (outcome.counts[key] = (outcome.counts[key] ?? 0) + 1);
    const record = (key: keyof SyncCounts, item: ItemDraft | null) => {
      count(key);
      if (item) outcome.items.push({ ...item, label: item.label.slice(0, 320), message: item.message?.slice(0, 1000) ?? null });
    };
    if (stage === SyncStage.COMPANIES) {
      for (const [index, company] of (page.items as DirectoryCompany[]).entries()) {
        if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
        const base = { resourceType: ExternalResourceType.COMPANY, externalId: company.externalId, label: company.name };
        if (run.dryRun) {
          const linked = await this.linkedLocalIds(integration, ExternalResourceType.COMPANY, [company.externalId]);
          if (linked.has(company.externalId)) record('unchanged', null);
          else record('created', { ...base, action: SyncItemAction.CREATED, localId: null, message: 'Would create or adopt this company.' });
          continue;
        }
        const result = await this.provisioning.upsertCompany(integration, company);
        this.recordProvision(record, base, result.action, result.companyId, null);
      }
    } else if (stage === SyncStage.USERS) {
      const users = page.items as DirectoryUser[];
      for (const user of users) seen.add(user.externalId);
      // Read in bulk what each user would need: a dry run reports it; a real run skips the unchanged ones (most
      // users on every run after the first) without a query each, and hands the rest to provisioning.
      const plan = await this.planUsers(integration, users);
      for (const [index, user] of users.entries()) {
        if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
        const base = { resourceType: ExternalResourceType.USER, externalId: user.externalId, label: user.email ?? user.name ?? user.externalId };
        if (!user.email) {
          record('skipped', { ...base, action: SyncItemAction.SKIPPED, localId: null, message: 'No email address upstream (mail and userPrincipalName are empty or external).' });
          continue;
        }
        const planned = plan.get(user.externalId)!;
        if (run.dryRun || planned.action === ProvisionAction.UNCHANGED) {
          this.recordProvision(record, base, planned.action, planned.userId, planned.reason ?? null);
          continue;
        }
        try {
          const result = await this.provisioning.upsertUser(integration, { externalId: user.externalId, email: user.email, name: user.name, active: user.active });
          this.recordProvision(record, base, result.action, result.userId, result.reason ?? null);
          if (user.companyExternalId && result.userId) {
            const companies = await this.linkedLocalIds(integration, ExternalResourceType.COMPANY, [user.companyExternalId]);
            const companyId = companies.get(user.companyExternalId);
            if (companyId) await this.provisioning.setUserCompany(integration, result.userId, companyId);
          }
        } catch (error) {
          if (!(error instanceof ProvisioningError)) throw error;
          record('failed', { ...base, action: SyncItemAction.FAILED, localId: null, message: error.message });
        }
      }
      if (!run.dryRun && users.length) {
        // Seen upstream, whatever happened to them here (a failed update must not look like a disappearance).
        await this.dataSource
          .getRepository(ExternalLinkEntity)
          .update({ integrationId: integration.id, resourceType: ExternalResourceType.USER, externalId: In(users.map((u) => u.externalId)) }, { lastSeenAt: new Date() });
      }
    } else if (stage === SyncStage.GROUPS) {
      for (const [index, group] of (page.items as DirectoryGroup[]).entries()) {
        if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
        const base = { resourceType: ExternalResourceType.GROUP, externalId: group.externalId, label: group.name };
        const members = await this.linkedLocalIds(integration, ExternalResourceType.USER, group.memberExternalIds);
        if (run.dryRun) {
          const linked = await this.linkedLocalIds(integration, ExternalResourceType.GROUP, [group.externalId]);
          if (linked.has(group.externalId)) record('unchanged', null);
          else record('created', { ...base, action: SyncItemAction.CREATED, localId: null, message: `Would create or adopt this group with ${members.size} member(s).` });
          continue;
        }
        try {
          const result = await this.provisioning.upsertGroup(integration, { externalId: group.externalId, displayName: group.name });
          const change = await this.provisioning.changeGroupMembers(integration, result.groupId, { add: [...members.values()], replace: true });
          const memberNote = change.added.length || change.removed.length ? `${change.added.length} member(s) added, ${change.removed.length} removed.` : null;
          const action = result.action === ProvisionAction.UNCHANGED && memberNote ? ProvisionAction.UPDATED : result.action;
          this.recordProvision(record, base, action, result.groupId, memberNote);
        } catch (error) {
          if (!(error instanceof ProvisioningError)) throw error;
          record('failed', { ...base, action: SyncItemAction.FAILED, localId: null, message: error.message });
        }
      }
    }
    return outcome;
  }

  private recordProvision(
    record: (key: keyof SyncCounts, item: ItemDraft | null) => void,
    base: Pick<ItemDraft, 'resourceType' | 'externalId' | 'label'>,
    action: ProvisionAction,
    localId: string | null,
    reason: string | null,
  ): void {
    const item = (itemAction: SyncItemAction, message: string | null): ItemDraft => ({ ...base, action: itemAction, localId, message: reason ?? message });
    switch (action) {
      case ProvisionAction.INVITED:
        return record('created', item(SyncItemAction.CREATED, 'Invited.'));
      case ProvisionAction.STAGED:
        return record('created', item(SyncItemAction.CREATED, 'Staged for an administrator’s review (auto-invite is off).'));
      case ProvisionAction.CREATED:
        return record('created', item(SyncItemAction.CREATED, null));
      case ProvisionAction.LINKED:
        return record('linked', item(SyncItemAction.LINKED, 'An existing user with this email is now tied to the upstream object.'));
      case ProvisionAction.UPDATED:
        return record('updated', item(SyncItemAction.UPDATED, null));
      case ProvisionAction.SUSPENDED:
        return record('suspended', item(SyncItemAction.SUSPENDED, 'Disabled upstream.'));
      case ProvisionAction.RESTORED:
        return record('restored', item(SyncItemAction.RESTORED, 'Enabled upstream again.'));
      case ProvisionAction.UNCHANGED:
        return record('unchanged', null);
      default:
        return record('skipped', item(SyncItemAction.SKIPPED, null));
    }
  }

  /** What a dry run reports for a page of users, read without writing. */
  private async planUsers(integration: IntegrationEntity, users: DirectoryUser[]): Promise<Map<string, { action: ProvisionAction; userId: string | null; reason?: string }>> {
    const options = this.provisioning.optionsOf(integration);
    const links = await this.linkedLocalIds(integration, ExternalResourceType.USER, users.map((u) => u.externalId));
    const emails = users.filter((u) => u.email).map((u) => normalizeEmail(u.email!));
    const memberships = await this.dataSource.getRepository(MembershipEntity).find({
      where: [
        ...(links.size ? [{ accountId: integration.accountId, id: In([...links.values()]) }] : []),
        ...(emails.length ? [{ accountId: integration.accountId, email: In(emails) }] : []),
      ],
      select: { id: true, email: true, name: true, status: true },
    });
    const byId = new Map(memberships.map((m) => [m.id, m]));
    const byEmail = new Map(memberships.map((m) => [m.email, m]));
    const plan = new Map<string, { action: ProvisionAction; userId: string | null; reason?: string }>();
    for (const user of users) {
      if (!user.email) continue;
      const email = normalizeEmail(user.email);
      const linked = links.has(user.externalId) ? byId.get(links.get(user.externalId)!) : undefined;
      if (!linked) {
        const existing = byEmail.get(email);
        plan.set(user.externalId, existing ? { action: ProvisionAction.LINKED, userId: existing.id } : { action: options.autoInvite ? ProvisionAction.INVITED : ProvisionAction.STAGED, userId: null });
        continue;
      }
      const suspend = !user.active && linked.status !== UserStatus.SUSPENDED && options.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND;
      const restore = user.active && linked.status === UserStatus.SUSPENDED;
      const changed = linked.email !== email || (user.name !== null && user.name !== linked.name);
      const action = suspend ? ProvisionAction.SUSPENDED : restore ? ProvisionAction.RESTORED : changed ? ProvisionAction.UPDATED : ProvisionAction.UNCHANGED;
      plan.set(user.externalId, { action, userId: linked.id, reason: linked.email !== email ? `Email would change from ${linked.email} to ${email}.` : undefined });
    }
    return plan;
  }

  /**
   * Users linked to this integration but not seen upstream in this run are suspended (or kept, per the
   * options) — unless that is more than the threshold's share of the integration's users and no admin has
   * confirmed: then the run stops in AWAITING_CONFIRMATION (keeping its active marker, so nothing else runs)
   * and its items list who would be suspended. Returns true when the run now waits.
   */
  private async removals(run: SyncRunEntity, integration: IntegrationEntity, options: IntegrationOptions, seen: Set<string>): Promise<boolean> {
    const missingIds = run.dryRun
      ? await this.linkedUsersNotIn(integration, seen)
      : await this.provisioning.linkedUsersNotSeenSince(integration, run.startedAt!);
    const missing = missingIds.length
      ? await this.dataSource.getRepository(MembershipEntity).find({ where: { id: In(missingIds), accountId: integration.accountId }, select: { id: true, email: true, status: true } })
      : [];
    const active = missing.filter((m) => m.status !== UserStatus.SUSPENDED);
    const item = (m: Pick<MembershipEntity, 'id' | 'email'>, action: SyncItemAction, message: string): ItemDraft => ({
      resourceType: ExternalResourceType.USER,
      externalId: null,
      label: m.email,
      action,
      localId: m.id,
      message,
    });
    // A confirmed run may find the picture changed (users back upstream, options now KEEP): what it listed as
    // pending goes, and what it does now is recorded instead.
    if (active.length === 0) {
      await this.commitPage(run, { counts: {}, items: [] }, { stage: SyncStage.DONE, cursor: null, clearPending: true });
      return false;
    }
    if (options.onUpstreamRemoval === UpstreamRemovalAction.KEEP) {
      await this.commitPage(run, { counts: { kept: active.length }, items: active.map((m) => item(m, SyncItemAction.KEPT, 'No longer upstream; kept, as the integration’s options say.')) }, { stage: SyncStage.DONE, cursor: null, clearPending: true });
      return false;
    }
    const total = await this.provisioning.linkedUserCount(integration);
    const overThreshold = total > 0 && (active.length * 100) / total > options.suspendThresholdPercent;
    const reason = `No longer upstream: ${active.length} of the integration’s ${total} user(s) (${Math.round((active.length * 100) / total)}%) would be suspended; the safeguard stops above ${options.suspendThresholdPercent}%.`;
    if (overThreshold && !run.removalsConfirmed) {
      await this.commitPage(
        run,
        { counts: {}, items: active.map((m) => item(m, SyncItemAction.PENDING_SUSPENSION, reason)) },
        { stage: run.dryRun ? SyncStage.DONE : SyncStage.REMOVALS, cursor: null, pendingSuspensions: active.length, awaitConfirmation: !run.dryRun },
      );
      if (!run.dryRun) {
        this.publishRun(run);
        return true;
      }
      return false;
    }
    if (run.dryRun) {
      await this.commitPage(run, { counts: { suspended: active.length }, items: active.map((m) => item(m, SyncItemAction.SUSPENDED, 'Would be suspended: no longer upstream.')) }, { stage: SyncStage.DONE, cursor: null });
      return false;
    }
    const suspended = new Set(await this.provisioning.suspendUsers(integration, active.map((m) => m.id)));
    await this.commitPage(
      run,
      {
        counts: { suspended: suspended.size, skipped: active.length - suspended.size },
        items: active.map((m) => (suspended.has(m.id) ? item(m, SyncItemAction.SUSPENDED, 'No longer upstream.') : item(m, SyncItemAction.SKIPPED, 'No longer upstream, but an owner is never suspended from upstream.'))),
      },
      { stage: SyncStage.DONE, cursor: null, clearPending: true },
    );
    return false;
  }

  private async linkedUsersNotIn(integration: IntegrationEntity, seen: Set<string>): Promise<string[]> {
    const links = await this.dataSource.getRepository(ExternalLinkEntity).find({
      where: { integrationId: integration.id, resourceType: ExternalResourceType.USER },
      select: { externalId: true, localId: true },
    });
    return links.filter((l) => l.externalId === null || !seen.has(l.externalId)).map((l) => l.localId);
  }

  private async linkedLocalIds(integration: IntegrationEntity, type: ExternalResourceType, externalIds: string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    for (let i = 0; i < externalIds.length; i += 500) {
      const chunk = externalIds.slice(i, i + 500);
      const links = await this.dataSource.getRepository(ExternalLinkEntity).find({
        where: { integrationId: integration.id, resourceType: type, externalId: In(chunk) },
        select: { externalId: true, localId: true },
      });
      for (const link of links) result.set(link.externalId!, link.localId);
    }
    return result;
  }

  /** Commits a page's items and counts with the run's new stage and cursor, while this engine holds the lease. */
  private async commitPage(
    run: SyncRunEntity,
    outcome: PageOutcome,
    next: { stage: SyncStage; cursor: string | null; restart?: boolean; pendingSuspensions?: number; awaitConfirmation?: boolean; clearPending?: boolean },
  ): Promise<void> {
    const counts: SyncCounts = next.restart ? emptyCounts() : { ...emptyCounts(), ...(JSON.parse(run.counts) as Partial<SyncCounts>) };
    for (const [key, value] of Object.entries(outcome.counts)) counts[key as keyof SyncCounts] += value;
    let itemCount = next.restart ? 0 : run.itemCount;
    await inTransaction(this.dataSource, async (manager) => {
      if (next.restart) await manager.delete(SyncRunItemEntity, { runId: run.id });
      if (next.clearPending) await manager.delete(SyncRunItemEntity, { runId: run.id, action: SyncItemAction.PENDING_SUSPENSION });
      if (outcome.items.length) {
        const rows = outcome.items.map((item) => ({ ...item, runId: run.id, position: itemCount++ }));
        for (let i = 0; i < rows.length; i += 200) await manager.insert(SyncRunItemEntity, rows.slice(i, i + 200));
      }
      const changes: Partial<SyncRunEntity> = {
        stage: next.stage,
        cursor: next.cursor,
        counts: JSON.stringify(counts),
        itemCount,
        ...(next.restart ? { startedAt: new Date(), pendingSuspensions: 0 } : {}),
        ...(next.pendingSuspensions !== undefined ? { pendingSuspensions: next.pendingSuspensions } : {}),
        ...(next.clearPending ? { pendingSuspensions: 0 } : {}),
        ...(next.awaitConfirmation
          ? { state: SyncRunState.AWAITING_CONFIRMATION, leaseOwner: null, leaseUntil: null }
          : { leaseUntil: this.lease.until() }),
      };
      await this.renew(manager, run, changes);
    });
  }

  /** Writes run changes only while this engine still holds the lease and the run is running; else LeaseLost. */
  private async renew(manager: EntityManager, run: SyncRunEntity, changes: Partial<SyncRunEntity>): Promise<void> {
    await this.lease.write(manager, run.id, changes);
    Object.assign(run, changes);
  }

  private async finish(run: SyncRunEntity, integration: IntegrationEntity | null, state: SyncRunState.SUCCEEDED | SyncRunState.FAILED, error: string | null): Promise<void> {
    const now = new Date();
    await inTransaction(this.dataSource, async (manager) => {
      await this.renew(manager, run, { state, error, activeKey: null, leaseOwner: null, leaseUntil: null, finishedAt: now, ...(state === SyncRunState.SUCCEEDED ? { stage: SyncStage.DONE, cursor: null } : {}) });
      // A dry run leaves the integration as it was: it only reports.
      if (integration && !run.dryRun) {
        await manager.update(
          IntegrationEntity,
          { id: integration.id },
          state === SyncRunState.SUCCEEDED
            ? { status: integration.status === IntegrationStatus.DISABLED ? IntegrationStatus.DISABLED : IntegrationStatus.CONNECTED, lastError: null, lastSyncAt: now, updatedAt: now }
            : { status: integration.status === IntegrationStatus.DISABLED ? IntegrationStatus.DISABLED : IntegrationStatus.ERROR, lastError: error, updatedAt: now },
        );
      }
      // Audited with the run's end (same transaction), so the audit log and the sync.finished webhook cannot miss it.
      await recordAudit(manager, run.accountId, { type: 'INTEGRATION', id: run.integrationId }, [
        { action: 'sync.finished', targetId: run.id, details: { integrationId: run.integrationId, state, dryRun: run.dryRun, error, counts: JSON.parse(run.counts) } },
      ]);
    });
    this.publishRun(run);
  }

  private publishRun(run: SyncRunEntity): void {
    this.events.publish({ accountId: run.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
  }
}

function nextStage(stage: SyncStage): SyncStage {
  return STAGE_ORDER[STAGE_ORDER.indexOf(stage) + 1] ?? SyncStage.DONE;
}

/**
 * Inserts a queued run, or returns null when the integration already has an active one: the unique index on
 * `active_key` refuses the second insert, on either dialect, whichever instance tries.
 */
export async function queueRun(
  dataSource: DataSource,
  integration: Pick<IntegrationEntity, 'id' | 'accountId'>,
  request: { dryRun: boolean; trigger: SyncTrigger; requestedBy: string | null },
): Promise<SyncRunEntity | null> {
  const run: SyncRunEntity = {
    id: newId(),
    accountId: integration.accountId,
    integrationId: integration.id,
    activeKey: integration.id,
    state: SyncRunState.QUEUED,
    stage: STAGE_ORDER[0]!,
    cursor: null,
    dryRun: request.dryRun,
    trigger: request.trigger,
    removalsConfirmed: false,
    pendingSuspensions: 0,
    counts: JSON.stringify(emptyCounts()),
    itemCount: 0,
    error: null,
    requestedBy: request.requestedBy,
    leaseOwner: null,
    leaseUntil: null,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
  };
  try {
    await dataSource.getRepository(SyncRunEntity).insert(run);
    return run;
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
