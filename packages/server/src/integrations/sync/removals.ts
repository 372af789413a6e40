import { DataSource, In, IsNull, Not } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/index.js';
import { GroupEntity } from '../../groups/group.entity.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction, type IntegrationOptions } from '../integration-kinds.js';
import { ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import { SyncStage, type SyncRunEntity } from './sync-run.entity.js';
import type { ItemDraft, PageOutcome, SyncRunLease } from './sync-run-lease.js';

/** What a run saw upstream so far, kept in memory for dry runs (which write nothing else): user and group external ids. */
export interface SeenUpstream {
  users: Set<string>;
  groups: Set<string>;
  /** Upstream ids of the passwords listed by this run (a dry run archives by it). */
  passwords: Set<string>;
}

/**
 * The last stage of a run: what is gone upstream goes here too. Which objects are gone depends on how the run read:
 * - a dry run: linked objects not among those it saw (kept in memory; it writes nothing);
 * - a full read: linked objects not seen since the run started (`last_seen_at`);
 * - a read of changes only (Graph delta): only those the upstream said were removed (`upstream_removed_at`); not being
 *   listed means nothing there, since such a run lists only what changed.
 * Groups gone upstream are deleted (their users stay), when the connector lists groups at all. Users gone upstream are
 * suspended (or kept, per the options), under the mass-suspend safeguard.
 */
export class Removals {
  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
    private readonly runs: SyncRunLease,
  ) {}

  /** Returns true when the run now waits for an admin's confirmation. */
  async apply(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    options: IntegrationOptions,
    seen: SeenUpstream,
    listsGroups: boolean,
  ): Promise<boolean> {
    if (listsGroups) await this.deleteGroups(run, integration, seen.groups);
    const waiting = await this.suspendUsers(run, integration, options, seen.users);
    if (!waiting && !run.dryRun) {
      // Acted on (or, for a full read, superseded by what it saw): the next run starts with no marks.
      await this.dataSource
        .getRepository(ExternalLinkEntity)
        .update({ integrationId: integration.id, upstreamRemovedAt: Not(IsNull()) }, { upstreamRemovedAt: null });
    }
    return waiting;
  }

  /**
   * Groups this integration brought in that are gone upstream are deleted through provisioning (members stay users;
   * audited `group.deleted`). Done before the users' safeguard may stop the run; a run resumed after confirmation finds
   * nothing left to delete.
   */
  private async deleteGroups(run: SyncRunEntity, integration: IntegrationEntity, seen: Set<string>): Promise<void> {
    const links = await this.dataSource.getRepository(ExternalLinkEntity).find({
      where: { integrationId: integration.id, resourceType: ExternalResourceType.GROUP, externalId: Not(IsNull()) },
      select: { externalId: true, localId: true, lastSeenAt: true, upstreamRemovedAt: true },
    });
    const gone = links.filter((link) =>
      run.dryRun ? !seen.has(link.externalId!) : run.incremental ? !!link.upstreamRemovedAt : link.lastSeenAt < run.startedAt!,
    );
    if (gone.length === 0) return;
    const names = new Map(
      (
        await this.dataSource.getRepository(GroupEntity).find({
          where: { accountId: integration.accountId, id: In(gone.map((l) => l.localId)) },
          select: { id: true, name: true },
        })
      ).map((g) => [g.id, g.name]),
    );
    const outcome: PageOutcome = { counts: {}, items: [] };
    for (const link of gone) {
      const name = names.get(link.localId);
      if (name === undefined) continue;
      const item = { resourceType: ExternalResourceType.GROUP, externalId: link.externalId, label: name, localId: link.localId };
      if (run.dryRun) {
        outcome.items.push({ ...item, action: SyncItemAction.DELETED, message: 'Would be deleted: deleted upstream (its users stay).' });
        outcome.counts.deleted = (outcome.counts.deleted ?? 0) + 1;
        continue;
      }
      try {
        await this.provisioning.deleteGroup(integration, link.localId);
        outcome.items.push({ ...item, action: SyncItemAction.DELETED, message: 'Deleted upstream; its users stay.' });
        outcome.counts.deleted = (outcome.counts.deleted ?? 0) + 1;
      } catch (error) {
        // Deleted here meanwhile (by an admin, or a run that stopped after deleting it): nothing left to do.
        if (!(error instanceof ProvisioningError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    await this.runs.commitPage(run, outcome, { stage: SyncStage.REMOVALS, cursor: null });
  }

  /**
   * Users linked to this integration and gone upstream are suspended (or kept, per the options) — unless that is more
   * than the threshold's share of the integration's users and no admin has confirmed: then the run stops in
   * AWAITING_CONFIRMATION (keeping its active marker, so nothing else runs) and its items list who would be suspended.
   */
  private async suspendUsers(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    options: IntegrationOptions,
    seen: Set<string>,
  ): Promise<boolean> {
    const missingIds = run.dryRun
      ? await this.linkedUsersNotIn(integration, seen)
      : run.incremental
        ? await this.linkedUsersRemovedUpstream(integration)
        : await this.provisioning.linkedUsersNotSeenSince(integration, run.startedAt!);
    const missing = missingIds.length
      ? await this.dataSource
          .getRepository(MembershipEntity)
          .find({ where: { id: In(missingIds), accountId: integration.accountId }, select: { id: true, email: true, status: true } })
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
      await this.runs.commitPage(run, { counts: {}, items: [] }, { stage: SyncStage.DONE, cursor: null, clearPending: true });
      return false;
    }
    if (options.onUpstreamRemoval === UpstreamRemovalAction.KEEP) {
      await this.runs.commitPage(
        run,
        {
          counts: { kept: active.length },
          items: active.map((m) => item(m, SyncItemAction.KEPT, 'No longer upstream; kept, as the integration’s options say.')),
        },
        { stage: SyncStage.DONE, cursor: null, clearPending: true },
      );
      return false;
    }
    const total = await this.provisioning.linkedUserCount(integration);
    const overThreshold = total > 0 && (active.length * 100) / total > options.suspendThresholdPercent;
    const reason = `No longer upstream: ${active.length} of the integration’s ${total} user(s) (${Math.round((active.length * 100) / total)}%) would be suspended; the safeguard stops above ${options.suspendThresholdPercent}%.`;
    if (overThreshold && !run.removalsConfirmed) {
      await this.runs.commitPage(
        run,
        { counts: {}, items: active.map((m) => item(m, SyncItemAction.PENDING_SUSPENSION, reason)) },
        {
          stage: run.dryRun ? SyncStage.DONE : SyncStage.REMOVALS,
          cursor: null,
          pendingSuspensions: active.length,
          awaitConfirmation: !run.dryRun,
        },
      );
      if (!run.dryRun) {
        this.runs.publish(run);
        return true;
      }
      return false;
    }
    if (run.dryRun) {
      await this.runs.commitPage(
        run,
        {
          counts: { suspended: active.length },
          items: active.map((m) => item(m, SyncItemAction.SUSPENDED, 'Would be suspended: no longer upstream.')),
        },
        { stage: SyncStage.DONE, cursor: null },
      );
      return false;
    }
    const suspended = new Set(
      await this.provisioning.suspendUsers(
        integration,
        active.map((m) => m.id),
      ),
    );
    await this.runs.commitPage(
      run,
      {
        counts: { suspended: suspended.size, skipped: active.length - suspended.size },
        items: active.map((m) =>
          suspended.has(m.id)
            ? item(m, SyncItemAction.SUSPENDED, 'No longer upstream.')
            : item(m, SyncItemAction.SKIPPED, 'No longer upstream, but an owner is never suspended from upstream.'),
        ),
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

  private async linkedUsersRemovedUpstream(integration: IntegrationEntity): Promise<string[]> {
    const links = await this.dataSource.getRepository(ExternalLinkEntity).find({
      where: { integrationId: integration.id, resourceType: ExternalResourceType.USER, upstreamRemovedAt: Not(IsNull()) },
      select: { localId: true },
    });
    return links.map((l) => l.localId);
  }
}
