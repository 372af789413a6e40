import { In, type DataSource } from 'typeorm';
import { MAX_NAME, readName, UserStatus } from '../../accounts/index.js';
import { normalizeEmail } from '../../core/db/columns.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import type { DirectoryUser } from '../connectors/connector.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type ProvisioningService, type ProvisionResult } from '../provisioning.service.js';
import type { PageResult, UserPageState } from '../provisioning/user-batch.js';
import { linkedLocalIds, recordProvision, type RecordOutcome } from './page-outcome.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import type { SyncRunEntity } from './sync-run.entity.js';

type Planned = { action: ProvisionAction; userId: string | null; reason?: string };

/** Objects applied between two pauses for the event loop (SQLite answers synchronously; requests must get in). */
const YIELD_EVERY = 20;

/** The users stage of a sync: one page of upstream users applied (or, in a dry run, planned). */
export class UserStage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly provisioning: ProvisioningService,
  ) {}

  async applyPage(
    run: SyncRunEntity,
    integration: IntegrationEntity,
    upstream: DirectoryUser[],
    seen: Set<string>,
    record: RecordOutcome,
  ): Promise<void> {
    // A directory's name longer than Roster keeps is shortened, and the run says so (the person is not refused).
    const shortened = new Set<string>();
    const users = upstream.map((user) => {
      const reading = readName(user.name);
      if (reading.ok) return user;
      shortened.add(user.externalId);
      return { ...user, name: user.name!.trim().slice(0, MAX_NAME) };
    });
    for (const user of users) seen.add(user.externalId);
    // Read in bulk what each user would need: a dry run reports it; a real run skips the unchanged ones (most
    // users on every run after the first) and hands the rest to provisioning as one batch.
    const state = await this.provisioning.users.readPage(integration, users);
    const plan = this.planUsers(integration, users, state);
    const work: DirectoryUser[] = [];
    for (const user of users) {
      const planned = user.email ? plan.get(user.externalId)! : null;
      if (planned && !run.dryRun && planned.action !== ProvisionAction.UNCHANGED) work.push(user);
    }
    const applied = new Map<DirectoryUser, PageResult>();
    if (work.length) {
      const results = await this.provisioning.users.applyPage(
        integration,
        work.map((user) => ({ externalId: user.externalId, email: user.email!, name: user.name, active: user.active })),
        state,
      );
      work.forEach((user, index) => applied.set(user, results[index]!));
      await this.assignCompanies(integration, work, applied);
    }
    for (const [index, user] of users.entries()) {
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const base = {
        resourceType: ExternalResourceType.USER,
        externalId: user.externalId,
        label: user.email ?? user.name ?? user.externalId,
      };
      if (!user.email) {
        record('skipped', {
          ...base,
          action: SyncItemAction.SKIPPED,
          localId: null,
          message: user.noEmailReason ?? 'No email address upstream (mail and userPrincipalName are empty or external).',
        });
        continue;
      }
      const result = applied.get(user);
      if (result instanceof ProvisioningError) {
        record('failed', { ...base, action: SyncItemAction.FAILED, localId: null, message: result.message });
      } else {
        const outcome = result ?? plan.get(user.externalId)!;
        const note = shortened.has(user.externalId)
          ? `The name upstream is longer than ${MAX_NAME} characters; Roster keeps its start.`
          : null;
        const reason = [outcome.reason, note].filter(Boolean).join(' ') || null;
        // Said when the user is written (created or updated); an unchanged one was told so then.
        recordProvision(record, base, outcome.action, outcome.userId, reason);
      }
    }
    // Seen upstream, whatever happened to them here (a failed update must not look like a disappearance): one UPDATE
    // for the users linked before this page; links made by this page were written with the time already.
    const linkedBefore = users.filter((u) => state.links.has(u.externalId)).map((u) => u.externalId);
    if (!run.dryRun && linkedBefore.length) {
      await this.dataSource
        .getRepository(ExternalLinkEntity)
        .update(
          { integrationId: integration.id, resourceType: ExternalResourceType.USER, externalId: In(linkedBefore) },
          { lastSeenAt: new Date() },
        );
    }
  }

  /** Users whose upstream names a company linked by this integration are put into it (one link lookup per page). */
  private async assignCompanies(
    integration: IntegrationEntity,
    users: DirectoryUser[],
    applied: Map<DirectoryUser, PageResult>,
  ): Promise<void> {
    const withCompany = users.filter((user) => {
      const result = applied.get(user);
      return user.companyExternalId && result && !(result instanceof ProvisioningError) && result.userId;
    });
    if (withCompany.length === 0) return;
    const companies = await linkedLocalIds(this.dataSource, integration, ExternalResourceType.COMPANY, [
      ...new Set(withCompany.map((user) => user.companyExternalId!)),
    ]);
    for (const user of withCompany) {
      const companyId = companies.get(user.companyExternalId!);
      if (companyId) await this.provisioning.setUserCompany(integration, (applied.get(user) as ProvisionResult).userId!, companyId);
    }
  }

  /** What each user of the page would need (a dry run reports it; a real run skips the unchanged ones), from the page's read. */
  private planUsers(integration: IntegrationEntity, users: DirectoryUser[], state: UserPageState): Map<string, Planned> {
    const options = this.provisioning.optionsOf(integration);
    const byId = state.members;
    const byEmail = state.byEmail;
    const links = new Map([...state.links].map(([externalId, link]) => [externalId, link.localId]));
    const plan = new Map<string, Planned>();
    for (const user of users) {
      if (!user.email) continue;
      const email = normalizeEmail(user.email);
      const linked = links.has(user.externalId) ? byId.get(links.get(user.externalId)!) : undefined;
      if (!linked) {
        const existing = byEmail.get(email);
        plan.set(
          user.externalId,
          existing
            ? { action: ProvisionAction.LINKED, userId: existing.id }
            : { action: options.autoInvite ? ProvisionAction.INVITED : ProvisionAction.STAGED, userId: null },
        );
        continue;
      }
      const suspend = !user.active && linked.status !== UserStatus.SUSPENDED && options.onUpstreamRemoval === UpstreamRemovalAction.SUSPEND;
      const restore = user.active && linked.status === UserStatus.SUSPENDED;
      const changed = linked.email !== email || (user.name !== null && user.name !== linked.name);
      const action = suspend
        ? ProvisionAction.SUSPENDED
        : restore
          ? ProvisionAction.RESTORED
          : changed
            ? ProvisionAction.UPDATED
            : ProvisionAction.UNCHANGED;
      plan.set(user.externalId, {
        action,
        userId: linked.id,
        reason: linked.email !== email ? `Email would change from ${linked.email} to ${email}.` : undefined,
      });
    }
    return plan;
  }
}
