import { In, type DataSource } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/index.js';
import { normalizeEmail } from '../../core/db/columns.js';
import { yieldToEventLoop } from '../../core/workers/event-loop.js';
import type { DirectoryUser } from '../connectors/connector.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, UpstreamRemovalAction } from '../integration-kinds.js';
import { ProvisionAction, ProvisioningError, type ProvisioningService } from '../provisioning.service.js';
import { linkedLocalIds, recordProvision, type RecordOutcome } from './page-outcome.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import type { SyncRunEntity } from './sync-run.entity.js';

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
    users: DirectoryUser[],
    seen: Set<string>,
    record: RecordOutcome,
  ): Promise<void> {
    for (const user of users) seen.add(user.externalId);
    // Read in bulk what each user would need: a dry run reports it; a real run skips the unchanged ones (most
    // users on every run after the first) without a query each, and hands the rest to provisioning.
    const plan = await this.planUsers(integration, users);
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
          message: 'No email address upstream (mail and userPrincipalName are empty or external).',
        });
        continue;
      }
      const planned = plan.get(user.externalId)!;
      if (run.dryRun || planned.action === ProvisionAction.UNCHANGED) {
        recordProvision(record, base, planned.action, planned.userId, planned.reason ?? null);
        continue;
      }
      try {
        const result = await this.provisioning.upsertUser(integration, {
          externalId: user.externalId,
          email: user.email,
          name: user.name,
          active: user.active,
        });
        recordProvision(record, base, result.action, result.userId, result.reason ?? null);
        if (user.companyExternalId && result.userId) {
          const companies = await linkedLocalIds(this.dataSource, integration, ExternalResourceType.COMPANY, [user.companyExternalId]);
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
        .update(
          { integrationId: integration.id, resourceType: ExternalResourceType.USER, externalId: In(users.map((u) => u.externalId)) },
          { lastSeenAt: new Date() },
        );
    }
  }

  /** What a dry run reports for a page of users, read without writing. */
  private async planUsers(
    integration: IntegrationEntity,
    users: DirectoryUser[],
  ): Promise<Map<string, { action: ProvisionAction; userId: string | null; reason?: string }>> {
    const options = this.provisioning.optionsOf(integration);
    const links = await linkedLocalIds(
      this.dataSource,
      integration,
      ExternalResourceType.USER,
      users.map((u) => u.externalId),
    );
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
