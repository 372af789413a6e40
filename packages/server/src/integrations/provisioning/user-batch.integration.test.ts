import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { In } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { UserStatus } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { newId } from '../../core/db/columns.js';
import type { AccountEvent } from '../../core/events.js';
import { InvitationEntity, InvitationState } from '../../invitations/index.js';
import { OutboxEmailEntity } from '../../mail/outbox-email.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../../test/harness.js';
import type { DirectoryUser } from '../connectors/connector.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import { IntegrationEntity } from '../integration.entity.js';
import { defaultIntegrationOptions, IntegrationStatus, IntegrationType } from '../integration-kinds.js';
import { ProvisioningService } from '../provisioning.service.js';
import { emptyCounts, type SyncCounts, type SyncRunEntity } from '../sync/sync-run.entity.js';
import type { ItemDraft } from '../sync/sync-run-lease.js';
import { UserStage } from '../sync/user-stage.js';
import { ProvisionAction } from './provisioning-model.js';

/** A sync's users stage applying whole pages of upstream users in a batch (user-batch.ts), as a sync's run records them. */
describe.each(dialects)('a page of upstream users applied in a batch (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let published: AccountEvent[];
  let provisioning: ProvisioningService;
  let stage: UserStage;

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runWebhookWorker: false, runSyncEngine: false },
    );
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Batch MSP' })).id;
    // The server's own bus: invitations announce new users on it too.
    roster.services.events.subscribe(
      (event) => void (event.accountId === accountId && event.type.startsWith('user.') && published.push(event)),
    );
    provisioning = new ProvisioningService(roster.dataSource, roster.services.events, roster.services.invitations);
    stage = new UserStage(roster.dataSource, provisioning);
  });
  beforeEach(() => {
    published = [];
  });
  afterAll(() => roster?.close());

  const anIntegration = async (options: Record<string, unknown> = {}): Promise<IntegrationEntity> => {
    const now = new Date();
    const integration: IntegrationEntity = {
      id: newId(),
      accountId,
      type: IntegrationType.MICROSOFT_ENTRA,
      name: `Entra ${newId().slice(0, 8)}`,
      status: IntegrationStatus.CONNECTED,
      sealedCredentials: null,
      options: JSON.stringify({ ...defaultIntegrationOptions(IntegrationType.MICROSOFT_ENTRA), ...options }),
      scimTokenHash: null,
      scimTokenPrefix: null,
      scimTokenRotatedAt: null,
      syncIntervalMinutes: null,
      lastSyncAt: null,
      nextSyncAt: null,
      lastError: null,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
    };
    await roster.dataSource.getRepository(IntegrationEntity).insert(integration);
    return integration;
  };

  /** Applies a page the way a sync run does, and answers the counts and items the run would commit. */
  const applyPage = async (integration: IntegrationEntity, users: DirectoryUser[], dryRun = false) => {
    const counts: SyncCounts = emptyCounts();
    const items: ItemDraft[] = [];
    await stage.applyPage({ dryRun } as SyncRunEntity, integration, users, new Set(), (key, item) => {
      counts[key]++;
      if (item) items.push(item);
    });
    return { counts, items };
  };
  const upstream = (n: number, domain: string, changes: Partial<DirectoryUser> = {}): DirectoryUser => ({
    externalId: `${domain}-${n}`,
    email: `Person${n}@${domain}.test`,
    name: `Person ${n}`,
    active: true,
    ...changes,
  });
  const members = (emails: string[]) => roster.dataSource.getRepository(MembershipEntity).findBy({ accountId, email: In(emails) });
  const linksOf = (integration: IntegrationEntity) =>
    roster.dataSource.getRepository(ExternalLinkEntity).findBy({ integrationId: integration.id });

  it('brings in a first page: new users invited with their emails, a disabled one suspended, a same-email member linked, an invalid email failed alone', async () => {
    const integration = await anIntegration();
    const existing = await builders(roster.dataSource).aUser(accountId, { email: 'known@first.test', name: 'Known' });
    const page = [
      upstream(1, 'first'),
      upstream(2, 'first', { active: false }),
      upstream(3, 'first', { email: 'KNOWN@first.test', name: 'Known' }),
      upstream(4, 'first', { email: 'not an email' }),
      upstream(5, 'first', { email: null }),
      upstream(6, 'first'),
    ];
    const { counts, items } = await applyPage(integration, page);

    expect(counts).toMatchObject({ created: 3, linked: 1, failed: 1, skipped: 1, suspended: 0 });
    expect(items.map((i) => [i.externalId, i.action])).toEqual([
      ['first-1', 'CREATED'],
      ['first-2', 'CREATED'],
      ['first-3', 'LINKED'],
      ['first-4', 'FAILED'],
      ['first-5', 'SKIPPED'],
      ['first-6', 'CREATED'],
    ]);
    expect(items[3]!.message).toBe('"not an email" is not a valid email address.');
    const created = await members(['person1@first.test', 'person2@first.test', 'person6@first.test']);
    expect(created.map((m) => [m.email, m.status, m.externalId]).sort()).toEqual([
      ['person1@first.test', UserStatus.INVITED, 'first-1'],
      ['person2@first.test', UserStatus.SUSPENDED, 'first-2'],
      ['person6@first.test', UserStatus.INVITED, 'first-6'],
    ]);
    expect(items.find((i) => i.externalId === 'first-3')!.localId).toBe(existing.id);
    const links = await linksOf(integration);
    expect(links.map((l) => l.externalId).sort()).toEqual(['first-1', 'first-2', 'first-3', 'first-6']);
    const createdIds = created.map((m) => m.id);
    const invitations = await roster.dataSource.getRepository(InvitationEntity).findBy({ membershipId: In(createdIds) });
    expect(invitations).toHaveLength(3);
    expect(await roster.dataSource.getRepository(OutboxEmailEntity).countBy({ invitationId: In(invitations.map((i) => i.id)) })).toBe(3);
    const audit = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, targetId: In([...createdIds, existing.id]) });
    expect(audit.map((a) => a.action).sort()).toEqual(['user.invited', 'user.invited', 'user.invited', 'user.linked', 'user.suspended']);
    // One event per kind for the whole page, naming every user concerned.
    expect(published.map((e) => e.type)).toEqual(['user.invited', 'user.suspended']);
    expect([...published[0]!.userIds].sort()).toEqual([...createdIds].sort());
    expect(published[1]!.userIds).toEqual([created.find((m) => m.email === 'person2@first.test')!.id]);
  });

  it('a user already linked under another upstream id moves to the new one (per-user rule), never linked twice', async () => {
    const integration = await anIntegration();
    await applyPage(integration, [upstream(1, 'moved'), upstream(2, 'moved')]);
    const [user] = await members(['person1@moved.test']);
    // The same person comes back under a new upstream id, in a page where the old id is still present too.
    const { items } = await applyPage(integration, [upstream(2, 'moved'), upstream(9, 'moved', { email: 'person1@moved.test' })]);
    expect(items.map((i) => [i.externalId, i.action, i.localId])).toEqual([['moved-9', 'UPDATED', user!.id]]);
    const links = await linksOf(integration);
    expect(links.filter((l) => l.localId === user!.id).map((l) => l.externalId)).toEqual(['moved-9']);
  });

  it('applies the same page twice without doubling anything: the second time everything is unchanged', async () => {
    const integration = await anIntegration();
    const page = [upstream(1, 'twice'), upstream(2, 'twice', { active: false }), upstream(3, 'twice')];
    expect((await applyPage(integration, page)).counts).toMatchObject({ created: 3 });
    published = [];
    const again = await applyPage(integration, page);
    expect(again.counts).toMatchObject({ created: 0, unchanged: 3, suspended: 0 });
    expect(again.items).toEqual([]);
    expect(await members(['person1@twice.test', 'person2@twice.test', 'person3@twice.test'])).toHaveLength(3);
    expect(await linksOf(integration)).toHaveLength(3);
    expect(published).toEqual([]);
  });

  it('follows changes on a later page: an email change (the pending invitation follows), a rename, a disabled user, the rest unchanged', async () => {
    const integration = await anIntegration();
    await applyPage(integration, [upstream(1, 'later'), upstream(2, 'later'), upstream(3, 'later'), upstream(4, 'later')]);
    const [first] = await members(['person1@later.test']);
    published = [];
    const { counts, items } = await applyPage(integration, [
      upstream(1, 'later', { email: 'renamed1@later.test' }),
      upstream(2, 'later', { name: 'Person Two' }),
      upstream(3, 'later', { active: false }),
      upstream(4, 'later'),
    ]);
    expect(counts).toMatchObject({ updated: 2, suspended: 1, unchanged: 1, created: 0 });
    expect(items.map((i) => [i.externalId, i.action])).toEqual([
      ['later-1', 'UPDATED'],
      ['later-2', 'UPDATED'],
      ['later-3', 'SUSPENDED'],
    ]);
    expect(await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ id: first!.id })).toMatchObject({
      email: 'renamed1@later.test',
    });
    expect(
      await roster.dataSource.getRepository(InvitationEntity).findOneByOrFail({ membershipId: first!.id, state: InvitationState.PENDING }),
    ).toMatchObject({ email: 'renamed1@later.test' });
    expect((await members(['person3@later.test']))[0]!.status).toBe(UserStatus.SUSPENDED);
    expect((await members(['person2@later.test']))[0]!.name).toBe('Person Two');
    expect(published.map((e) => [e.type, e.userIds.length])).toEqual([
      ['user.changed', 2],
      ['user.suspended', 1],
    ]);
    // What was written (the links' fingerprints included) is what upstream says: the same page again changes nothing.
    const again = await applyPage(integration, [
      upstream(1, 'later', { email: 'renamed1@later.test' }),
      upstream(2, 'later', { name: 'Person Two' }),
      upstream(3, 'later', { active: false }),
      upstream(4, 'later'),
    ]);
    expect(again.counts).toMatchObject({ unchanged: 4, updated: 0, suspended: 0 });
  });

  it('a page of 40 new users costs the same number of SQL statements as a page of 10', async () => {
    const statementsFor = async (size: number, domain: string) => {
      const integration = await anIntegration();
      const page = Array.from({ length: size }, (_, i) => upstream(i + 1, domain, { active: i % 5 !== 0 }));
      roster.resetQueryCount();
      const { counts } = await applyPage(integration, page);
      expect(counts.created).toBe(size);
      return roster.queryCount();
    };
    const ten = await statementsFor(10, 'ten');
    const forty = await statementsFor(40, 'forty');
    expect(forty).toBe(ten);
    // A first sync's target is at most 3 statements per user; a page of 40 is far below it.
    expect(forty).toBeLessThan(40);
  });

  it('users disabled upstream on a later page are written together: 16 cost the same statements as 4', async () => {
    const statementsFor = async (size: number, domain: string) => {
      const integration = await anIntegration();
      const page = Array.from({ length: 20 }, (_, i) => upstream(i + 1, domain));
      await applyPage(integration, page);
      roster.resetQueryCount();
      const { counts } = await applyPage(
        integration,
        page.map((user, i) => (i < size ? { ...user, active: false } : user)),
      );
      expect(counts).toMatchObject({ suspended: size, unchanged: 20 - size });
      return roster.queryCount();
    };
    const four = await statementsFor(4, 'four-off');
    const sixteen = await statementsFor(16, 'sixteen-off');
    // Their links (one UPDATE by id), the suspension (read, update) and its audit are each one statement for the page.
    expect(sixteen).toBe(four);
  });

  it('when another writer brings in one of the page’s users meanwhile, the page goes user by user and creates nothing twice', async () => {
    const integration = await anIntegration();
    const page = [upstream(1, 'race'), upstream(2, 'race'), upstream(3, 'race')];
    const users = page.map((u) => ({ externalId: u.externalId, email: u.email!, name: u.name, active: u.active }));
    const state = await provisioning.users.readPage(integration, page);
    // Created after the page was read: the batch's insert meets the unique email index.
    const other = await builders(roster.dataSource).aUser(accountId, { email: 'person2@race.test' });
    const results = await provisioning.users.applyPage(integration, users, state);
    expect(results.map((r) => ('action' in r ? r.action : r.code))).toEqual([
      ProvisionAction.INVITED,
      ProvisionAction.LINKED,
      ProvisionAction.INVITED,
    ]);
    expect((results[1] as { userId: string }).userId).toBe(other.id);
    expect(await members(['person1@race.test', 'person2@race.test', 'person3@race.test'])).toHaveLength(3);
    expect(await linksOf(integration)).toHaveLength(3);
  });

  it('keeps the start of a directory name over 200 characters and says so on the item, then finds it unchanged', async () => {
    const integration = await anIntegration();
    const long = `Dr ${'Very'.repeat(60)} Long`;
    const first = await applyPage(integration, [upstream(1, 'longname', { name: long })]);
    expect(first.items.map((i) => [i.action, i.message])).toEqual([
      ['CREATED', 'The name upstream is longer than 200 characters; Roster keeps its start.'],
    ]);
    const [member] = await members(['person1@longname.test']);
    expect(member!.name).toBe(long.slice(0, 200));
    const again = await applyPage(integration, [upstream(1, 'longname', { name: long })]);
    expect(again.counts).toMatchObject({ unchanged: 1, created: 0, updated: 0 });
  });
});
