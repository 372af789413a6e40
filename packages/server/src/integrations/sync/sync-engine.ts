import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from '../../core/logger.js';
import { LeaseLost } from '../../core/workers/lease.js';
import { runForRequest } from '../../core/request-scope.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import { PollingWorker } from '../../core/workers/polling-worker.js';
import type { EventBus } from '../../core/events.js';
import { integrationKind } from '../connectors/catalog.js';
import { ConnectorError, type Connector, type ConnectorEnvironment, type DirectoryPage } from '../connectors/connector.js';
import { IntegrationEntity } from '../integration.entity.js';
import { IntegrationStatus } from '../integration-kinds.js';
import { ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import type { SecretBox } from '../secret-box.js';
import { credentialsFingerprint, parseChangesLinks, SyncRunLease } from './sync-run-lease.js';
import { SyncRunState, SyncStage, type SyncRunEntity } from './sync-run.entity.js';
import { FIRST_STAGE, startDueSyncs } from './sync-scheduler.js';
import { listingOf, nextStage, pagesOf, SyncStages, type SeenUpstream } from './sync-stages.js';
import type { VaultSync } from '../../vault/index.js';
import type { Metrics } from '../../core/metrics.js';
import { SyncRunMetrics } from './sync-metrics.js';

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

export { queueRun, SYNC_EVENT } from './sync-scheduler.js';

/**
 * Runs syncs. A run is claimed with a lease (a conditional UPDATE only one engine can win), then goes
 * through its stages page by page; after every page its cursor, counts and items commit together, so an
 * engine that dies is replaced by another (or itself after a restart) that resumes at the page it was on.
 * Writes go through the provisioning service, which is idempotent by (integration, external id), so a
 * page done twice creates nothing twice. The same timer starts scheduled syncs when they fall due.
 * The parts: sync-scheduler.ts (due syncs, queueing), sync-run-lease.ts (holding and writing a run),
 * sync-stages.ts (what each stage's pages do); this file only drives a run through them.
 */
export class SyncEngine extends PollingWorker {
  private readonly options: Required<Omit<SyncEngineOptions, 'afterPage' | 'passDeadlineMs'>> & Pick<SyncEngineOptions, 'afterPage'>;
  private readonly runs: SyncRunLease;
  private readonly stages: SyncStages;
  private stopping = false;
  private finished = 0;
  private readonly runMetrics: SyncRunMetrics | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
    private readonly secretBox: SecretBox,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly env: ConnectorEnvironment,
    options: SyncEngineOptions = {},
    /** Where the PASSWORDS stage writes; without it (some tests) that stage reads nothing. */
    private readonly vault?: VaultSync,
    /** Where the runs' ends are recorded (the instance's metrics; tests that build their own engine leave it out). */
    metrics?: Metrics,
  ) {
    const resolved = { leaseMs: 120_000, pollMs: 5_000, workerId: `sync-${randomBytes(6).toString('hex')}`, now: Date.now, ...options };
    super(resolved.pollMs, logger, 'Sync engine', options.passDeadlineMs);
    this.options = { ...resolved, renewEveryMs: options.renewEveryMs ?? Math.round(resolved.leaseMs / 4) };
    this.runs = new SyncRunLease(dataSource, events, { owner: resolved.workerId, leaseMs: resolved.leaseMs, now: resolved.now });
    this.stages = new SyncStages(dataSource, provisioning, this.runs, vault);
    this.runMetrics = metrics ? new SyncRunMetrics(metrics) : null;
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
    const run = await this.runs.claim();
    if (!run) return 0;
    if (await this.work(run, signal)) this.finished++;
    return 1;
  }

  /** Queues a run for every integration whose sync is due (see sync-scheduler.ts); resolves with how many it started. */
  startDueSyncs(now = new Date()): Promise<number> {
    return startDueSyncs(this.dataSource, this.events, now);
  }

  /**
   * Works a claimed run until it ends (true), waits for confirmation, or is lost or handed back (false). Its
   * lease is renewed while it works, however long one vendor request takes; when the lease is lost (the run was
   * cancelled or taken over) or the pass ends (deadline, shutdown), the vendor request in flight is abandoned.
   */
  private work(run: SyncRunEntity, pass?: AbortSignal): Promise<boolean> {
    // Log lines of the run carry the id of the request that queued it (none for scheduled runs).
    return runForRequest(run.requestId, async () => {
      const started = Date.now();
      this.logger.info(`Sync run ${run.id} claimed`, { syncRunId: run.id, integrationId: run.integrationId, stage: run.stage });
      const ended = await this.runs.keepWhile(run, this.options.renewEveryMs, this.logger, (lost) =>
        this.workLeased(run, pass ? AbortSignal.any([pass, lost]) : lost, () => lost.aborted),
      );
      this.logger.info(`Sync run ${run.id} left: ${run.state}`, { syncRunId: run.id, state: run.state, durationMs: Date.now() - started });
      return ended;
    });
  }

  private async workLeased(run: SyncRunEntity, abandon: AbortSignal, leaseLost: () => boolean): Promise<boolean> {
    const integration = await this.dataSource.getRepository(IntegrationEntity).findOneBy({ id: run.integrationId });
    // A clean shutdown or the pass's deadline hands the run back at once instead of making the next engine wait for the lease.
    const handBack = async () => {
      await this.runs.handBack(run);
      return false;
    };
    try {
      if (!integration) throw new ConnectorError('UPSTREAM_ERROR', 'The integration was deleted.');
      if (integration.status === IntegrationStatus.DISABLED) throw new ConnectorError('UPSTREAM_ERROR', 'The integration is disabled.');
      const connector = this.connectorFor(integration, abandon);
      const options = this.provisioning.optionsOf(integration);
      if (run.dryRun && run.startedAt) {
        // A dry run keeps what it saw in memory only (it writes nothing else), so an interrupted one starts over.
        await this.runs.commitPage(run, { counts: {}, items: [] }, { stage: FIRST_STAGE, cursor: null, restart: true });
      }
      if (!run.startedAt) {
        run.startedAt = new Date();
        // Decided once, when the run starts (a resumed run keeps it): read only the changes when the connector can and
        // the last successful sync, with the same credentials, left a link for every listing it reads. Dry runs always
        // read everything.
        const links = parseChangesLinks(integration.syncState);
        const incremental =
          !run.dryRun &&
          !!connector.tracksChanges &&
          links.credentials === credentialsFingerprint(integration) &&
          !!links.users &&
          (!connector.listGroups || !!links.groups);
        await this.runs.write(this.dataSource.manager, run, { startedAt: run.startedAt, incremental });
      }
      const seen: SeenUpstream = { users: new Set(), groups: new Set(), passwords: new Set() };
      while (run.stage !== SyncStage.DONE) {
        if (leaseLost()) return false;
        if (this.stopping || abandon.aborted) return await handBack();
        if (run.stage === SyncStage.REMOVALS) {
          const waiting = await this.stages.removals(run, integration, options, seen, {
            groups: !!connector.listGroups,
            passwords: !!connector.listPasswords && !!this.stages.passwords,
          });
          if (waiting) return false;
          continue;
        }
        try {
          if ((await this.readStage(run, integration, connector, seen, abandon)) === 'interrupted') continue;
        } catch (error) {
          if (!(error instanceof ConnectorError && error.code === 'CHANGES_EXPIRED' && run.incremental)) throw error;
          // The links are dead: this run reads everything instead, from the start, and says why; the integration forgets
          // them, so should this run fail too, the next one reads everything as well.
          await this.dataSource.getRepository(IntegrationEntity).update({ id: integration.id }, { syncState: null });
          integration.syncState = null;
          await this.runs.commitPage(
            run,
            { counts: {}, items: [] },
            { stage: FIRST_STAGE, cursor: null, fullRead: { note: `${error.message} This run read everything instead.` } },
          );
          seen.users.clear();
          seen.groups.clear();
          seen.passwords.clear();
        }
      }
      await this.runs.finish(run, integration!, SyncRunState.SUCCEEDED, null);
      this.runMetrics?.ended(run, SyncRunState.SUCCEEDED);
      return true;
    } catch (error) {
      if (error instanceof LeaseLost || leaseLost()) return false;
      // Abandoned mid-request (shutdown, the pass's deadline): not a failure of the run; it resumes from its last page.
      if (this.stopping || abandon.aborted) return await handBack();
      const message =
        error instanceof ConnectorError || error instanceof ProvisioningError
          ? error.message
          : 'The sync failed unexpectedly; see the server log.';
      if (!(error instanceof ConnectorError)) this.logger.error(`Sync run ${run.id} failed`, error);
      const ended = await this.runs.finish(run, integration, SyncRunState.FAILED, message).then(
        () => true,
        (finishError) => {
          if (!(finishError instanceof LeaseLost)) throw finishError;
          return false;
        },
      );
      if (ended) this.runMetrics?.ended(run, SyncRunState.FAILED);
      return false;
    }
  }

  /**
   * Reads the run's stage from its cursor to its end (or until the run is handed back: 'interrupted'), committing each
   * page with the cursor of the next. A full read asks a connector that tracks changes for a link for next time; a run
   * reading changes asks for what changed since the stored link, and notes what the pages say was removed.
   */
  private async readStage(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    connector: Connector,
    seen: SeenUpstream,
    abandon: AbortSignal,
  ): Promise<'done' | 'interrupted'> {
    const stage = run.stage;
    const listing = listingOf(stage);
    const tracked = !run.dryRun && !!connector.tracksChanges && listing !== null;
    const listOptions = tracked
      ? { changesSince: run.incremental ? (parseChangesLinks(integration.syncState)[listing!] ?? null) : null }
      : undefined;
    const pages = stage === SyncStage.PASSWORDS && !this.stages.passwords ? null : pagesOf(connector, stage, run.cursor, listOptions);
    if (!pages) {
      await this.runs.commitPage(run, { counts: {}, items: [] }, { stage: nextStage(stage), cursor: null });
      return 'done';
    }
    for await (const page of pages) {
      const outcome = await this.stages.applyPage(run, integration, stage, page, seen);
      if (run.incremental) await this.stages.noteRemovals(integration, stage, page as DirectoryPage<{ externalId: string }>);
      const last = page.next === null;
      await this.runs.commitPage(
        run,
        outcome,
        last
          ? {
              stage: nextStage(stage),
              cursor: null,
              ...(tracked && page.changesLink ? { changesLink: { listing: listing!, link: page.changesLink } } : {}),
            }
          : { stage, cursor: page.next },
      );
      if (!last) await this.options.afterPage?.(run, stage);
      await yieldToEventLoop();
      if ((this.stopping || abandon.aborted) && !last) return 'interrupted';
    }
    if ((run.stage as SyncStage) === stage) {
      // The listing ended without a final page (nothing at all upstream): the stage is over.
      await this.runs.commitPage(run, { counts: {}, items: [] }, { stage: nextStage(stage), cursor: null });
    }
    return 'done';
  }

  private connectorFor(integration: IntegrationEntity, signal: AbortSignal): Connector {
    const kind = integrationKind(integration.type);
    if (!kind?.connect)
      throw new ConnectorError('UPSTREAM_ERROR', `${kind?.displayName ?? integration.type} integrations cannot be synced from Roster.`);
    let credentials: Record<string, string> = {};
    try {
      if (integration.sealedCredentials)
        credentials = JSON.parse(this.secretBox.open(integration.sealedCredentials, integration.id)) as Record<string, string>;
    } catch {
      throw new ConnectorError(
        'AUTHENTICATION_FAILED',
        'The stored credentials cannot be opened with this server’s ROSTER_CREDENTIALS_KEY (was the key changed?); enter them again.',
      );
    }
    return kind.connect(credentials, { ...this.env, signal });
  }
}
