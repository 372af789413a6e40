import { DataSource, IsNull, Not } from 'typeorm';
import type { VaultSync } from '../../vault/index.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import type { IntegrationOptions } from '../integration-kinds.js';
import type { ProvisioningService } from '../provisioning.service.js';
import { groupRemovals, userRemovals, vaultRemovals, type RemovalPlan } from './removal-plans.js';
import { exceedsSafeguard, safeguardReason } from './removal-safeguard.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import { SyncStage, type SyncCounts, type SyncRunEntity } from './sync-run.entity.js';
import type { SyncRunLease } from './sync-run-lease.js';

/** What a run saw upstream so far, kept in memory for dry runs (which write nothing else): user and group external ids. */
export interface SeenUpstream {
  users: Set<string>;
  groups: Set<string>;
  /** Upstream ids of the passwords listed by this run (a dry run archives by it). */
  passwords: Set<string>;
}

/** Which listings the run's connector has (a kind it does not list is never taken for gone). */
export interface ListedKinds {
  groups: boolean;
  passwords: boolean;
}

/**
 * The last stage of a run: what is gone upstream goes here too. Which objects are gone depends on how the run read:
 * - a dry run: linked objects not among those it saw (kept in memory; it writes nothing);
 * - a full read: linked objects not seen since the run started (`last_seen_at`, the vault's `upstream_seen_at`);
 * - a read of changes only (Graph delta): only those the upstream said were removed (`upstream_removed_at`); not being
 *   listed means nothing there, since such a run lists only what changed.
 * Groups gone upstream are deleted (their users stay), vault items archived, users suspended (or kept, per the options)
 * — all under one safeguard (removal-safeguard.ts): when any kind would lose more than the threshold's share of the
 * integration's objects of that kind, nothing is removed until an administrator confirms; the run then stops in
 * AWAITING_CONFIRMATION (keeping its active marker, so nothing else runs) and its items list everything it would remove.
 */
export class Removals {
  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
    private readonly runs: SyncRunLease,
    /** Without it (some tests) the run has no vault to keep in step. */
    private readonly vault?: VaultSync,
  ) {}

  /** Returns true when the run now waits for an admin's confirmation. */
  async apply(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    options: IntegrationOptions,
    seen: SeenUpstream,
    listed: ListedKinds,
  ): Promise<boolean> {
    const groups = listed.groups ? await groupRemovals(this.dataSource, this.provisioning, run, integration, seen.groups) : null;
    const vault =
      listed.passwords && this.vault ? await vaultRemovals(this.dataSource, this.vault, run, integration, seen.passwords) : null;
    const users = await userRemovals(this.dataSource, this.provisioning, run, integration, options, seen.users);
    const plans = [groups, vault, users].filter((plan): plan is RemovalPlan => plan !== null);
    const threshold = options.suspendThresholdPercent;
    const over = (plan: RemovalPlan) => plan.share !== null && exceedsSafeguard(plan.share, threshold);
    if (!run.removalsConfirmed && plans.some(over)) {
      // Everything waits, not only the kind over the threshold: one confirmation then lets the whole run go on.
      const items = plans.flatMap((plan) => plan.pending(over(plan) ? safeguardReason(plan.share!, threshold, plan.words) : null));
      await this.runs.commitPage(
        run,
        { counts: {}, items },
        {
          stage: run.dryRun ? SyncStage.DONE : SyncStage.REMOVALS,
          cursor: null,
          pendingSuspensions: items.filter((item) => item.action === SyncItemAction.PENDING_SUSPENSION).length,
          awaitConfirmation: !run.dryRun,
        },
      );
      if (run.dryRun) return false;
      this.runs.publish(run);
      return true;
    }
    if (run.dryRun) {
      const preview = plans.map((plan) => plan.preview());
      const counts: Partial<SyncCounts> = {};
      for (const outcome of preview)
        for (const [key, value] of Object.entries(outcome.counts) as Array<[keyof SyncCounts, number]>)
          counts[key] = (counts[key] ?? 0) + value;
      await this.runs.commitPage(run, { counts, items: preview.flatMap((o) => o.items) }, { stage: SyncStage.DONE, cursor: null });
      return false;
    }
    // One page per kind, so what is done is recorded before the next kind starts; a confirmed run's pending items go, and
    // what it does now is recorded instead (users may be back upstream, or the options now say KEEP).
    for (const [index, plan] of plans.entries()) {
      const last = index === plans.length - 1;
      await this.runs.commitPage(run, await plan.apply(), {
        stage: last ? SyncStage.DONE : SyncStage.REMOVALS,
        cursor: null,
        clearPending: true,
      });
    }
    if (plans.length === 0)
      await this.runs.commitPage(run, { counts: {}, items: [] }, { stage: SyncStage.DONE, cursor: null, clearPending: true });
    // Acted on (or, for a full read, superseded by what it saw): the next run starts with no marks.
    await this.dataSource
      .getRepository(ExternalLinkEntity)
      .update({ integrationId: integration.id, upstreamRemovedAt: Not(IsNull()) }, { upstreamRemovedAt: null });
    return false;
  }
}
