import { DataSource, In, IsNull, Not } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/index.js';
import { inTransaction } from '../../core/db/transaction.js';
import { GroupEntity } from '../../groups/group.entity.js';
import type { VaultSync } from '../../vault/index.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction, type IntegrationOptions } from '../integration-kinds.js';
import { ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import type { RemovalShare } from './removal-safeguard.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import type { SyncRunEntity } from './sync-run.entity.js';
import type { ItemDraft, PageOutcome } from './sync-run-lease.js';

/**
 * One kind of removal the last stage of a run would make (groups deleted, vault items archived, users suspended), found
 * but not yet done: the safeguard weighs its share first (removals.ts), then it is done, reported (a dry run) or listed
 * as pending while the run waits for confirmation.
 */
export interface RemovalPlan {
  /** What the safeguard weighs; null when this kind removes nothing (users kept, as the options say). */
  share: RemovalShare | null;
  /** How the safeguard's reason names this kind. */
  words: { noun: string; verb: string };
  /** The run's items while it waits: `reason` when this kind itself is over the threshold, else null. */
  pending(reason: string | null): ItemDraft[];
  /** What a dry run reports it would do. */
  preview(): PageOutcome;
  /** Does it, and says what it did. */
  apply(): Promise<PageOutcome>;
}

/**
 * Groups this integration brought in that are gone upstream: deleted through provisioning (members stay users; audited
 * `group.deleted`). Which are gone depends on how the run read: a dry run, those it did not see; a full read, those not
 * seen since it started (`last_seen_at`); a read of changes, those the upstream said were removed (`upstream_removed_at`).
 */
export async function groupRemovals(
  dataSource: DataSource,
  provisioning: ProvisioningService,
  run: SyncRunEntity,
  integration: IntegrationEntity,
  seen: Set<string>,
): Promise<RemovalPlan | null> {
  const links = await dataSource.getRepository(ExternalLinkEntity).find({
    where: { integrationId: integration.id, resourceType: ExternalResourceType.GROUP, externalId: Not(IsNull()) },
    select: { externalId: true, localId: true, lastSeenAt: true, upstreamRemovedAt: true },
  });
  const gone = links.filter((link) =>
    run.dryRun ? !seen.has(link.externalId!) : run.incremental ? !!link.upstreamRemovedAt : link.lastSeenAt < run.startedAt!,
  );
  if (gone.length === 0) return null;
  const names = new Map<string, string>();
  for (let i = 0; i < gone.length; i += 500) {
    const groups = await dataSource.getRepository(GroupEntity).find({
      where: { accountId: integration.accountId, id: In(gone.slice(i, i + 500).map((l) => l.localId)) },
      select: { id: true, name: true },
    });
    for (const group of groups) names.set(group.id, group.name);
  }
  // A link whose group is gone here too (deleted by a run that stopped before recording it) has nothing left to delete.
  const targets = gone.filter((link) => names.has(link.localId));
  if (targets.length === 0) return null;
  const item = (link: ExternalLinkEntity, action: SyncItemAction, message: string): ItemDraft => ({
    resourceType: ExternalResourceType.GROUP,
    externalId: link.externalId,
    label: names.get(link.localId)!,
    localId: link.localId,
    action,
    message,
  });
  return {
    share: { count: targets.length, total: links.length },
    words: { noun: 'group', verb: 'deleted' },
    pending: (reason) =>
      targets.map((l) =>
        item(
          l,
          SyncItemAction.PENDING_DELETION,
          reason ?? 'Deleted upstream: would be deleted (its users stay) once the run is confirmed.',
        ),
      ),
    preview: () => ({
      counts: { deleted: targets.length },
      items: targets.map((l) => item(l, SyncItemAction.DELETED, 'Would be deleted: deleted upstream (its users stay).')),
    }),
    async apply() {
      const outcome: PageOutcome = { counts: {}, items: [] };
      for (const link of targets) {
        try {
          await provisioning.deleteGroup(integration, link.localId);
          outcome.items.push(item(link, SyncItemAction.DELETED, 'Deleted upstream; its users stay.'));
          outcome.counts.deleted = (outcome.counts.deleted ?? 0) + 1;
        } catch (error) {
          // Deleted here meanwhile (by an admin, or a run that stopped after deleting it): nothing left to do.
          if (!(error instanceof ProvisioningError && error.code === 'NOT_FOUND')) throw error;
        }
      }
      return outcome;
    },
  };
}

/**
 * The integration's vault items no longer listed upstream (archived or deleted there): archived, never deleted. A full
 * read judges by the time each was last seen (resumable), a dry run by what it listed in memory. The PASSWORDS stage is
 * always a full read.
 */
export async function vaultRemovals(
  dataSource: DataSource,
  vault: VaultSync,
  run: SyncRunEntity,
  integration: IntegrationEntity,
  listed: Set<string>,
): Promise<RemovalPlan | null> {
  const { gone, total } = await vault.missing(
    dataSource.manager,
    integration.accountId,
    integration.id,
    run.dryRun ? { listed } : { seenBefore: run.startedAt! },
  );
  if (gone.length === 0) return null;
  const item = (row: (typeof gone)[number], action: SyncItemAction, message: string): ItemDraft => ({
    resourceType: ExternalResourceType.VAULT_ITEM,
    externalId: row.upstreamId,
    label: row.name,
    localId: row.id,
    action,
    message,
  });
  return {
    share: { count: gone.length, total },
    words: { noun: 'vault item', verb: 'archived' },
    pending: (reason) =>
      gone.map((row) =>
        item(row, SyncItemAction.PENDING_ARCHIVE, reason ?? 'No longer upstream: would be archived once the run is confirmed.'),
      ),
    preview: () => ({
      counts: { deleted: gone.length },
      items: gone.map((row) => item(row, SyncItemAction.ARCHIVED, 'Would be archived: no longer upstream (archived or deleted there).')),
    }),
    async apply() {
      await inTransaction(dataSource, (manager) =>
        vault.archive(
          manager,
          integration.accountId,
          gone.map((row) => row.id),
        ),
      );
      return {
        counts: { deleted: gone.length },
        items: gone.map((row) =>
          item(row, SyncItemAction.ARCHIVED, 'No longer upstream (archived or deleted there): archived in the vault.'),
        ),
      };
    },
  };
}

/**
 * Users linked to this integration and gone upstream, not already suspended: suspended (never an owner), or kept when
 * the options say so (then nothing for the safeguard to weigh).
 */
export async function userRemovals(
  dataSource: DataSource,
  provisioning: ProvisioningService,
  run: SyncRunEntity,
  integration: IntegrationEntity,
  options: IntegrationOptions,
  seen: Set<string>,
): Promise<RemovalPlan | null> {
  const missingIds = run.dryRun
    ? await linkedUsersNotIn(dataSource, integration, seen)
    : run.incremental
      ? await linkedUsersRemovedUpstream(dataSource, integration)
      : await provisioning.linkedUsersNotSeenSince(integration, run.startedAt!);
  const missing = missingIds.length
    ? await dataSource
        .getRepository(MembershipEntity)
        .find({ where: { id: In(missingIds), accountId: integration.accountId }, select: { id: true, email: true, status: true } })
    : [];
  const active = missing.filter((m) => m.status !== UserStatus.SUSPENDED);
  if (active.length === 0) return null;
  const item = (m: Pick<MembershipEntity, 'id' | 'email'>, action: SyncItemAction, message: string): ItemDraft => ({
    resourceType: ExternalResourceType.USER,
    externalId: null,
    label: m.email,
    action,
    localId: m.id,
    message,
  });
  const words = { noun: 'user', verb: 'suspended' };
  if (options.onUpstreamRemoval === UpstreamRemovalAction.KEEP) {
    const kept = (): PageOutcome => ({
      counts: { kept: active.length },
      items: active.map((m) => item(m, SyncItemAction.KEPT, 'No longer upstream; kept, as the integration’s options say.')),
    });
    return { share: null, words, pending: () => [], preview: kept, apply: async () => kept() };
  }
  return {
    share: { count: active.length, total: await provisioning.linkedUserCount(integration) },
    words,
    pending: (reason) =>
      active.map((m) =>
        item(m, SyncItemAction.PENDING_SUSPENSION, reason ?? 'No longer upstream: would be suspended once the run is confirmed.'),
      ),
    preview: () => ({
      counts: { suspended: active.length },
      items: active.map((m) => item(m, SyncItemAction.SUSPENDED, 'Would be suspended: no longer upstream.')),
    }),
    async apply() {
      const suspended = new Set(
        await provisioning.suspendUsers(
          integration,
          active.map((m) => m.id),
        ),
      );
      return {
        counts: { suspended: suspended.size, skipped: active.length - suspended.size },
        items: active.map((m) =>
          suspended.has(m.id)
            ? item(m, SyncItemAction.SUSPENDED, 'No longer upstream.')
            : item(m, SyncItemAction.SKIPPED, 'No longer upstream, but an owner is never suspended from upstream.'),
        ),
      };
    },
  };
}

async function linkedUsersNotIn(dataSource: DataSource, integration: IntegrationEntity, seen: Set<string>): Promise<string[]> {
  const links = await dataSource.getRepository(ExternalLinkEntity).find({
    where: { integrationId: integration.id, resourceType: ExternalResourceType.USER },
    select: { externalId: true, localId: true },
  });
  return links.filter((l) => l.externalId === null || !seen.has(l.externalId)).map((l) => l.localId);
}

async function linkedUsersRemovedUpstream(dataSource: DataSource, integration: IntegrationEntity): Promise<string[]> {
  const links = await dataSource.getRepository(ExternalLinkEntity).find({
    where: { integrationId: integration.id, resourceType: ExternalResourceType.USER, upstreamRemovedAt: Not(IsNull()) },
    select: { localId: true },
  });
  return links.map((l) => l.localId);
}
