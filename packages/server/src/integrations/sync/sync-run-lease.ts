import { createHash } from 'node:crypto';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { Logger } from '../../core/logger.js';
import { recordAudit } from '../../audit/index.js';
import { RowLease } from '../../core/workers/lease.js';
import { inTransaction } from '../../core/db/transaction.js';
import type { EventBus } from '../../core/events.js';
import { IntegrationEntity } from '../integration.entity.js';
import { IntegrationStatus } from '../integration-kinds.js';
import { SYNC_EVENT } from './sync-scheduler.js';
import { PENDING_ACTIONS, SyncRunItemEntity } from './sync-run-item.entity.js';
import { emptyCounts, SyncRunEntity, SyncRunState, SyncStage, type SyncCounts } from './sync-run.entity.js';

/** What one page of a stage did: counts to add and items to list. */
export interface PageOutcome {
  counts: Partial<SyncCounts>;
  items: Array<Omit<SyncRunItemEntity, 'runId' | 'accountId' | 'position'>>;
}

export type ItemDraft = PageOutcome['items'][number];

/** Where a run goes after a page: its next stage and cursor, and what else changes with it. */
export interface NextStep {
  stage: SyncStage;
  cursor: string | null;
  restart?: boolean;
  pendingSuspensions?: number;
  awaitConfirmation?: boolean;
  clearPending?: boolean;
  /** The stage ended with a link to read its listing's changes from next time: kept on the run until it succeeds. */
  changesLink?: { listing: ChangesListing; link: string };
  /** Starts the run over as a full read (restart), saying why in the run's note. */
  fullRead?: { note: string };
}

/** The listings whose changes a connector can track (see Connector.tracksChanges). */
export type ChangesListing = 'users' | 'groups';

/**
 * Change links per listing, as integrations.sync_state and sync_runs.changes_links hold them; on the integration also
 * `credentials`, a fingerprint of the sealed credentials they were read with: saving new credentials (another tenant,
 * say) makes the next run read everything rather than follow a link of the old ones.
 */
export type ChangesLinks = Partial<Record<ChangesListing | 'credentials', string>>;

/** Changes whenever the credentials are saved again (each sealing has its own nonce), never reveals them. */
export function credentialsFingerprint(integration: Pick<IntegrationEntity, 'sealedCredentials'>): string {
  return createHash('sha256')
    .update(integration.sealedCredentials ?? '')
    .digest('base64url')
    .slice(0, 22);
}

export function parseChangesLinks(json: string | null | undefined): ChangesLinks {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ChangesLinks) : {};
  } catch {
    return {};
  }
}

/**
 * A sync run held by one engine: claimed with a lease, and every write to it (a page's items and counts, the
 * run's end) conditional on still holding it, so an engine that lost the run (cancelled, taken over) changes
 * nothing. A write that finds the lease gone throws LeaseLost.
 */
export class SyncRunLease {
  private readonly lease: RowLease<SyncRunEntity>;
  private readonly owner: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventBus,
    options: { owner: string; leaseMs: number; now: () => number },
  ) {
    this.owner = options.owner;
    this.lease = new RowLease(dataSource, {
      entity: SyncRunEntity,
      owner: options.owner,
      leaseMs: options.leaseMs,
      now: options.now,
      held: { state: SyncRunState.RUNNING },
      describe: (id) => `Sync run ${id}`,
    });
  }

  /** Claims the oldest queued run, or a running one whose engine's lease ran out (it resumes where it was). */
  claim(): Promise<SyncRunEntity | null> {
    return this.lease.claim({
      claimable: 'state IN (:...states)',
      parameters: { states: [SyncRunState.QUEUED, SyncRunState.RUNNING] },
      orderBy: 'created_at',
      set: { state: SyncRunState.RUNNING },
    });
  }

  /** Renews the run's lease while `work` runs, however long one vendor request takes; `work` hears when it is lost. */
  keepWhile<R>(run: SyncRunEntity, everyMs: number, logger: Logger, work: (lost: AbortSignal) => Promise<R>): Promise<R> {
    return this.lease.keepWhile(run.id, everyMs, logger, work);
  }

  /** Hands the run back (queued, unleased), so the next engine resumes it at once instead of waiting for the lease. */
  async handBack(run: SyncRunEntity): Promise<void> {
    await this.dataSource
      .getRepository(SyncRunEntity)
      .update(
        { id: run.id, leaseOwner: this.owner, state: SyncRunState.RUNNING },
        { state: SyncRunState.QUEUED, leaseOwner: null, leaseUntil: null },
      );
  }

  /** Commits a page's items and counts with the run's new stage and cursor, while this engine holds the lease (else LeaseLost). */
  async commitPage(run: SyncRunEntity, outcome: PageOutcome, next: NextStep): Promise<void> {
    const restart = next.restart || next.fullRead !== undefined;
    const counts: SyncCounts = restart ? emptyCounts() : { ...emptyCounts(), ...(JSON.parse(run.counts) as Partial<SyncCounts>) };
    for (const [key, value] of Object.entries(outcome.counts)) counts[key as keyof SyncCounts] += value;
    let itemCount = restart ? 0 : run.itemCount;
    const links = next.changesLink
      ? JSON.stringify({ ...parseChangesLinks(run.changesLinks), [next.changesLink.listing]: next.changesLink.link })
      : undefined;
    await inTransaction(this.dataSource, async (manager) => {
      if (restart) await manager.delete(SyncRunItemEntity, { runId: run.id });
      if (next.clearPending) await manager.delete(SyncRunItemEntity, { runId: run.id, action: In(PENDING_ACTIONS) });
      if (outcome.items.length) {
        const rows = outcome.items.map((item) => ({ ...item, runId: run.id, accountId: run.accountId, position: itemCount++ }));
        for (let i = 0; i < rows.length; i += 200) await manager.insert(SyncRunItemEntity, rows.slice(i, i + 200));
      }
      const changes: Partial<SyncRunEntity> = {
        stage: next.stage,
        cursor: next.cursor,
        counts: JSON.stringify(counts),
        itemCount,
        ...(restart ? { startedAt: new Date(), pendingSuspensions: 0, changesLinks: null } : {}),
        ...(next.fullRead ? { incremental: false, note: next.fullRead.note } : {}),
        ...(links !== undefined ? { changesLinks: links } : {}),
        ...(next.pendingSuspensions !== undefined ? { pendingSuspensions: next.pendingSuspensions } : {}),
        ...(next.clearPending ? { pendingSuspensions: 0 } : {}),
        ...(next.awaitConfirmation
          ? { state: SyncRunState.AWAITING_CONFIRMATION, leaseOwner: null, leaseUntil: null }
          : { leaseUntil: this.lease.until() }),
      };
      await this.write(manager, run, changes);
    });
  }

  /** Writes run changes only while this engine still holds the lease and the run is running; else LeaseLost. */
  async write(manager: EntityManager, run: SyncRunEntity, changes: Partial<SyncRunEntity>): Promise<void> {
    await this.lease.write(manager, run.id, changes);
    Object.assign(run, changes);
  }

  async finish(
    run: SyncRunEntity,
    integration: IntegrationEntity | null,
    state: SyncRunState.SUCCEEDED | SyncRunState.FAILED,
    error: string | null,
  ): Promise<void> {
    const now = new Date();
    await inTransaction(this.dataSource, async (manager) => {
      await this.write(manager, run, {
        state,
        error,
        activeKey: null,
        leaseOwner: null,
        leaseUntil: null,
        finishedAt: now,
        ...(state === SyncRunState.SUCCEEDED ? { stage: SyncStage.DONE, cursor: null } : {}),
      });
      // A dry run leaves the integration as it was: it only reports.
      if (integration && !run.dryRun) {
        await manager.update(
          IntegrationEntity,
          { id: integration.id },
          state === SyncRunState.SUCCEEDED
            ? {
                status: integration.status === IntegrationStatus.DISABLED ? IntegrationStatus.DISABLED : IntegrationStatus.CONNECTED,
                lastError: null,
                lastSyncAt: now,
                updatedAt: now,
                // The next run reads only what changed after what this one read (links it did not renew stay as they were).
                ...(run.changesLinks
                  ? {
                      syncState: JSON.stringify({
                        ...parseChangesLinks(integration.syncState),
                        ...parseChangesLinks(run.changesLinks),
                        credentials: credentialsFingerprint(integration),
                      }),
                    }
                  : {}),
              }
            : {
                status: integration.status === IntegrationStatus.DISABLED ? IntegrationStatus.DISABLED : IntegrationStatus.ERROR,
                lastError: error,
                updatedAt: now,
              },
        );
      }
      // Audited with the run's end (same transaction), so the audit log and the sync.finished webhook cannot miss it.
      await recordAudit(manager, run.accountId, { type: 'INTEGRATION', id: run.integrationId }, [
        {
          action: 'sync.finished',
          targetId: run.id,
          details: {
            integrationId: run.integrationId,
            state,
            dryRun: run.dryRun,
            incremental: run.incremental ?? false,
            error,
            counts: JSON.parse(run.counts),
          },
        },
      ]);
    });
    this.publish(run);
  }

  publish(run: SyncRunEntity): void {
    this.events.publish({ accountId: run.accountId, type: SYNC_EVENT, userIds: [], jobId: run.id, at: new Date() });
  }
}
