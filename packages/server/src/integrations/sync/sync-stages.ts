import { DataSource, In } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/index.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import type { Connector, DirectoryCompany, DirectoryGroup, DirectoryPage, DirectoryUser } from '../connectors/connector.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction, type IntegrationOptions } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import { SyncStage, type SyncCounts, type SyncRunEntity } from './sync-run.entity.js';
import type { ItemDraft, PageOutcome, SyncRunLease } from './sync-run-lease.js';
import { linkedLocalIds, recordProvision } from './page-outcome.js';
import { UserStage } from './user-stage.js';

/** Objects applied between two pauses for the event loop (SQLite answers synchronously; requests must get in). */
const YIELD_EVERY = 20;

const STAGE_ORDER = [SyncStage.COMPANIES, SyncStage.USERS, SyncStage.GROUPS, SyncStage.REMOVALS, SyncStage.DONE];

export function nextStage(stage: SyncStage): SyncStage {
  return STAGE_ORDER[STAGE_ORDER.indexOf(stage) + 1] ?? SyncStage.DONE;
}

/** The listing a stage reads from the vendor, from a cursor; null when the connector has no such listing. */
export function pagesOf(
  connector: Connector,
  stage: SyncStage,
  cursor: string | null,
): AsyncIterable<DirectoryPage<DirectoryUser | DirectoryGroup | DirectoryCompany>> | null {
  if (stage === SyncStage.USERS) return connector.listUsers(cursor);
  if (stage === SyncStage.GROUPS) return connector.listGroups?.(cursor) ?? null;
  if (stage === SyncStage.COMPANIES) return connector.listCompanies?.(cursor) ?? null;
  return null;
}

/**
 * The stages of a sync: what a page of companies, users or groups does here (through the provisioning
 * service, idempotent by integration and external id), what a dry run would do, and the removals at the end
 * with their safeguard. Each page's outcome is committed by the run lease.
 */
export class SyncStages {
  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
    private readonly runs: SyncRunLease,
  ) {
    this.users = new UserStage(dataSource, provisioning);
  }

  private readonly users: UserStage;

  async applyPage(
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
          else
            record('created', { ...base, action: SyncItemAction.CREATED, localId: null, message: 'Would create or adopt this company.' });
          continue;
        }
        const result = await this.provisioning.upsertCompany(integration, company);
        recordProvision(record, base, result.action, result.companyId, null);
      }
    } else if (stage === SyncStage.USERS) {
      await this.users.applyPage(run, integration, page.items as DirectoryUser[], seen, record);
    } else if (stage === SyncStage.GROUPS) {
      for (const [index, group] of (page.items as DirectoryGroup[]).entries()) {
        if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
        const base = { resourceType: ExternalResourceType.GROUP, externalId: group.externalId, label: group.name };
        const members = await this.linkedLocalIds(integration, ExternalResourceType.USER, group.memberExternalIds);
        if (run.dryRun) {
          const linked = await this.linkedLocalIds(integration, ExternalResourceType.GROUP, [group.externalId]);
          if (linked.has(group.externalId)) record('unchanged', null);
          else
            record('created', {
              ...base,
              action: SyncItemAction.CREATED,
              localId: null,
              message: `Would create or adopt this group with ${members.size} member(s).`,
            });
          continue;
        }
        try {
          const result = await this.provisioning.upsertGroup(integration, { externalId: group.externalId, displayName: group.name });
          const change = await this.provisioning.changeGroupMembers(integration, result.groupId, {
            add: [...members.values()],
            replace: true,
          });
          const memberNote =
            change.added.length || change.removed.length
              ? `${change.added.length} member(s) added, ${change.removed.length} removed.`
              : null;
          const action = result.action === ProvisionAction.UNCHANGED && memberNote ? ProvisionAction.UPDATED : result.action;
          recordProvision(record, base, action, result.groupId, memberNote);
        } catch (error) {
          if (!(error instanceof ProvisioningError)) throw error;
          record('failed', { ...base, action: SyncItemAction.FAILED, localId: null, message: error.message });
        }
      }
    }
    return outcome;
  }

  /**
   * Users linked to this integration but not seen upstream in this run are suspended (or kept, per the
   * options) — unless that is more than the threshold's share of the integration's users and no admin has
   * confirmed: then the run stops in AWAITING_CONFIRMATION (keeping its active marker, so nothing else runs)
   * and its items list who would be suspended. Returns true when the run now waits.
   */
  async removals(run: SyncRunEntity, integration: IntegrationEntity, options: IntegrationOptions, seen: Set<string>): Promise<boolean> {
    const missingIds = run.dryRun
      ? await this.linkedUsersNotIn(integration, seen)
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

  private linkedLocalIds(integration: IntegrationEntity, type: ExternalResourceType, externalIds: string[]): Promise<Map<string, string>> {
    return linkedLocalIds(this.dataSource, integration, type, externalIds);
  }
}
