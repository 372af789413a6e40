import { DataSource, In, IsNull, Not } from 'typeorm';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import type {
  Connector,
  DirectoryCompany,
  DirectoryGroup,
  DirectoryPage,
  DirectoryPassword,
  DirectoryUser,
  ListOptions,
} from '../connectors/connector.js';
import type { VaultSync } from '../../vault/index.js';
import { PasswordStage } from './password-stage.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import { SyncStage, type SyncCounts, type SyncRunEntity } from './sync-run.entity.js';
import type { ChangesListing, ItemDraft, PageOutcome, SyncRunLease } from './sync-run-lease.js';
import { linkedLocalIds, recordProvision, type RecordOutcome } from './page-outcome.js';
import { Removals, type SeenUpstream } from './removals.js';

export type { SeenUpstream } from './removals.js';
import { UserStage } from './user-stage.js';

/** Objects applied between two pauses for the event loop (SQLite answers synchronously; requests must get in). */
const YIELD_EVERY = 20;

const STAGE_ORDER = [SyncStage.COMPANIES, SyncStage.USERS, SyncStage.GROUPS, SyncStage.PASSWORDS, SyncStage.REMOVALS, SyncStage.DONE];

export function nextStage(stage: SyncStage): SyncStage {
  return STAGE_ORDER[STAGE_ORDER.indexOf(stage) + 1] ?? SyncStage.DONE;
}

/** The listing a stage reads from the vendor, from a cursor; null when the connector has no such listing. */
export function pagesOf(
  connector: Connector,
  stage: SyncStage,
  cursor: string | null,
  options?: ListOptions,
): AsyncIterable<DirectoryPage<DirectoryUser | DirectoryGroup | DirectoryCompany | DirectoryPassword>> | null {
  if (stage === SyncStage.USERS) return connector.listUsers(cursor, options);
  if (stage === SyncStage.GROUPS) return connector.listGroups?.(cursor, options) ?? null;
  if (stage === SyncStage.COMPANIES) return connector.listCompanies?.(cursor) ?? null;
  if (stage === SyncStage.PASSWORDS) return connector.listPasswords?.(cursor) ?? null;
  return null;
}

/** The listing whose changes a stage can read (see Connector.tracksChanges), if any. */
export function listingOf(stage: SyncStage): ChangesListing | null {
  return stage === SyncStage.USERS ? 'users' : stage === SyncStage.GROUPS ? 'groups' : null;
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
    vault?: VaultSync,
  ) {
    this.users = new UserStage(dataSource, provisioning);
    this.passwords = vault ? new PasswordStage(dataSource, vault) : null;
    this.removalsStage = new Removals(dataSource, provisioning, runs, vault);
  }

  private readonly users: UserStage;
  /** Null when the engine was built without the vault (some tests): the stage then reads nothing. */
  readonly passwords: PasswordStage | null;
  private readonly removalsStage: Removals;

  /** The removals at the end of a run (removals.ts): groups, vault items and users gone upstream. True when the run now waits. */
  removals(...args: Parameters<Removals['apply']>): Promise<boolean> {
    return this.removalsStage.apply(...args);
  }

  async applyPage(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    stage: SyncStage,
    page: DirectoryPage<DirectoryUser | DirectoryGroup | DirectoryCompany | DirectoryPassword>,
    seen: SeenUpstream,
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
      await this.users.applyPage(run, integration, page.items as DirectoryUser[], seen.users, record);
    } else if (stage === SyncStage.GROUPS) {
      await this.applyGroups(run, integration, page.items as DirectoryGroup[], seen.groups, record);
    } else if (stage === SyncStage.PASSWORDS && this.passwords) {
      await this.passwords.applyPage(run, integration, page.items as DirectoryPassword[], seen.passwords, record);
    }
    return outcome;
  }

  /**
   * A page of groups. A full listing gives each group's whole member list (members become exactly those); a listing of
   * changes gives the members added and removed (`memberChanges`), applied as such: the delta is exact, and reading every
   * changed group's whole list again would cost a request per group and page. Every group of the page counts as seen
   * upstream, whatever happened to it here, so a group whose rename failed is not taken for one deleted upstream.
   */
  private async applyGroups(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    groups: DirectoryGroup[],
    seen: Set<string>,
    record: RecordOutcome,
  ): Promise<void> {
    for (const group of groups) seen.add(group.externalId);
    for (const [index, group] of groups.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const linkedGroup = group.name ? null : await this.provisioning.findLinkedGroup(integration, { externalId: group.externalId });
      // A change without the group's name keeps the name it has (a new group is named by its id, as full reads do).
      const name = group.name || linkedGroup?.group.name || group.externalId;
      const base = { resourceType: ExternalResourceType.GROUP, externalId: group.externalId, label: name };
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
        const result = await this.provisioning.upsertGroup(integration, { externalId: group.externalId, displayName: name });
        const removed = group.memberChanges
          ? await this.linkedLocalIds(integration, ExternalResourceType.USER, group.memberChanges.removed)
          : null;
        const change = await this.provisioning.changeGroupMembers(
          integration,
          result.groupId,
          removed ? { add: [...members.values()], remove: [...removed.values()] } : { add: [...members.values()], replace: true },
        );
        const memberNote =
          change.added.length || change.removed.length ? `${change.added.length} member(s) added, ${change.removed.length} removed.` : null;
        const action = result.action === ProvisionAction.UNCHANGED && memberNote ? ProvisionAction.UPDATED : result.action;
        recordProvision(record, base, action, result.groupId, memberNote);
      } catch (error) {
        if (!(error instanceof ProvisioningError)) throw error;
        record('failed', { ...base, action: SyncItemAction.FAILED, localId: null, message: error.message });
      }
    }
    if (!run.dryRun && groups.length) {
      await this.dataSource.getRepository(ExternalLinkEntity).update(
        {
          integrationId: integration.id,
          resourceType: ExternalResourceType.GROUP,
          externalId: In(groups.map((g) => g.externalId)),
        },
        { lastSeenAt: new Date() },
      );
    }
  }

  /**
   * A page of a listing of changes: marks the links of the objects it says were removed upstream (the run's removals act
   * on them, see removals.ts) and clears the mark of those it lists as present. In the database, not in memory, so a
   * resumed run still knows what its earlier pages said. One statement per page (two when it removed something).
   */
  async noteRemovals(integration: IntegrationEntity, stage: SyncStage, page: DirectoryPage<{ externalId: string }>): Promise<void> {
    const resourceType =
      stage === SyncStage.USERS ? ExternalResourceType.USER : stage === SyncStage.GROUPS ? ExternalResourceType.GROUP : null;
    if (!resourceType) return;
    const links = this.dataSource.getRepository(ExternalLinkEntity);
    const present = page.items.map((o) => o.externalId);
    for (let i = 0; i < present.length; i += 500) {
      await links.update(
        { integrationId: integration.id, resourceType, externalId: In(present.slice(i, i + 500)), upstreamRemovedAt: Not(IsNull()) },
        { upstreamRemovedAt: null },
      );
    }
    const removed = page.removed ?? [];
    for (let i = 0; i < removed.length; i += 500) {
      await links.update(
        { integrationId: integration.id, resourceType, externalId: In(removed.slice(i, i + 500)) },
        { upstreamRemovedAt: new Date() },
      );
    }
  }

  private linkedLocalIds(integration: IntegrationEntity, type: ExternalResourceType, externalIds: string[]): Promise<Map<string, string>> {
    return linkedLocalIds(this.dataSource, integration, type, externalIds);
  }
}
