import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { newId } from '../../core/db/columns.js';
import { LeaseLost } from '../../core/workers/lease.js';
import type { AccountEvent } from '../../core/events.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../../test/harness.js';
import type { Connector } from '../connectors/connector.js';
import { IntegrationEntity } from '../integration.entity.js';
import { defaultIntegrationOptions, IntegrationStatus, IntegrationType } from '../integration-kinds.js';
import { SyncItemAction, SyncRunItemEntity } from './sync-run-item.entity.js';
import { SyncRunLease } from './sync-run-lease.js';
import { SyncRunEntity, SyncRunState, SyncStage, SyncTrigger } from './sync-run.entity.js';
import { FIRST_STAGE, queueRun, startDueSyncs, SYNC_EVENT } from './sync-scheduler.js';
import { nextStage, pagesOf } from './sync-stages.js';

describe('sync stages', () => {
  it('go companies, users, groups, passwords, removals, done', () => {
    const order = [FIRST_STAGE];
    while (order.at(-1) !== SyncStage.DONE) order.push(nextStage(order.at(-1)!));
    expect(order).toEqual([
      SyncStage.COMPANIES,
      SyncStage.USERS,
      SyncStage.GROUPS,
      SyncStage.PASSWORDS,
      SyncStage.REMOVALS,
      SyncStage.DONE,
    ]);
  });

  it('read a stage’s listing from the connector at the cursor, and skip a listing the connector does not have', () => {
    const listed: string[] = [];
    const connector = { listUsers: (cursor: string | null) => (listed.push(`users@${cursor}`), [] as never) } as unknown as Connector;
    expect(pagesOf(connector, SyncStage.USERS, 'page-2')).toEqual([]);
    expect(listed).toEqual(['users@page-2']);
    expect(pagesOf(connector, SyncStage.GROUPS, null)).toBeNull();
    expect(pagesOf(connector, SyncStage.COMPANIES, null)).toBeNull();
    expect(pagesOf(connector, SyncStage.REMOVALS, null)).toBeNull();
  });
});

describe.each(dialects)('sync scheduler and run lease (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let published: AccountEvent[];
  const events = { publish: (event: AccountEvent) => void published.push(event), subscribe: () => () => {} };

  beforeAll(async () => {
    roster = await startTestRoster(
      dialect,
      {},
      { runOutboxWorker: false, runImportRunner: false, runWebhookWorker: false, runSyncEngine: false },
    );
    accountId = (await builders(roster.dataSource).anAccount({ name: 'Sync parts MSP' })).id;
  });
  beforeEach(async () => {
    published = [];
    // Each test claims "the oldest run": start from none.
    await roster.dataSource.getRepository(SyncRunItemEntity).createQueryBuilder().delete().execute();
    await roster.dataSource.getRepository(SyncRunEntity).createQueryBuilder().delete().execute();
  });
  afterAll(() => roster?.close());

  const anIntegration = async (changes: Partial<IntegrationEntity> = {}): Promise<IntegrationEntity> => {
    const now = new Date();
    const integration: IntegrationEntity = {
      id: newId(),
      accountId,
      type: IntegrationType.CONNECTWISE,
      name: 'ConnectWise parts',
      status: IntegrationStatus.CONNECTED,
      sealedCredentials: null,
      options: JSON.stringify(defaultIntegrationOptions(IntegrationType.CONNECTWISE)),
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
      ...changes,
    };
    await roster.dataSource.getRepository(IntegrationEntity).insert(integration);
    return integration;
  };
  const runsOf = (integrationId: string) => roster.dataSource.getRepository(SyncRunEntity).findBy({ integrationId });

  it('queueRun: one active run per integration, whoever asks', async () => {
    const integration = await anIntegration();
    const request = { dryRun: false, trigger: SyncTrigger.MANUAL, requestedBy: null };
    const [a, b] = await Promise.all([
      queueRun(roster.dataSource, integration, request),
      queueRun(roster.dataSource, integration, request),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await runsOf(integration.id)).toMatchObject([{ state: SyncRunState.QUEUED, stage: FIRST_STAGE }]);
  });

  it('startDueSyncs: starts a due sync once though two instances look at the same moment, and moves its next time on', async () => {
    const now = new Date();
    const integration = await anIntegration({ syncIntervalMinutes: 60, nextSyncAt: new Date(now.getTime() - 1_000) });
    const notDue = await anIntegration({ syncIntervalMinutes: 60, nextSyncAt: new Date(now.getTime() + 60_000) });
    const started = await Promise.all([startDueSyncs(roster.dataSource, events, now), startDueSyncs(roster.dataSource, events, now)]);
    expect(started.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await runsOf(integration.id)).toMatchObject([{ trigger: SyncTrigger.SCHEDULE }]);
    expect(await runsOf(notDue.id)).toEqual([]);
    const after = await roster.dataSource.getRepository(IntegrationEntity).findOneByOrFail({ id: integration.id });
    expect(after.nextSyncAt!.getTime()).toBe(now.getTime() + 60 * 60_000);
    const [queued] = await runsOf(integration.id);
    expect(published.filter((e) => e.type === SYNC_EVENT && e.jobId === queued!.id)).toHaveLength(1);
  });

  it('run lease: commits a page with the run, and an engine that lost the run writes nothing more', async () => {
    const integration = await anIntegration();
    await queueRun(roster.dataSource, integration, { dryRun: false, trigger: SyncTrigger.MANUAL, requestedBy: null });
    const first = new SyncRunLease(roster.dataSource, events, { owner: 'engine-a', leaseMs: 60_000, now: Date.now });
    const run = (await first.claim())!;
    expect(run).toMatchObject({ integrationId: integration.id, state: SyncRunState.RUNNING, leaseOwner: 'engine-a' });

    const item = {
      resourceType: 'COMPANY',
      externalId: 'c-1',
      label: 'Contoso',
      action: SyncItemAction.CREATED,
      localId: null,
      message: null,
    } as const;
    await first.commitPage(run, { counts: { created: 1 }, items: [item as never] }, { stage: SyncStage.USERS, cursor: null });
    expect(await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({
      stage: SyncStage.USERS,
      itemCount: 1,
    });
    expect(await roster.dataSource.getRepository(SyncRunItemEntity).countBy({ runId: run.id })).toBe(1);

    // The lease ran out and another engine took the run over.
    const second = new SyncRunLease(roster.dataSource, events, { owner: 'engine-b', leaseMs: 60_000, now: () => Date.now() + 61_000 });
    expect((await second.claim())?.id).toBe(run.id);
    await expect(
      first.commitPage(run, { counts: { created: 1 }, items: [item as never] }, { stage: SyncStage.GROUPS, cursor: null }),
    ).rejects.toBeInstanceOf(LeaseLost);
    expect(await roster.dataSource.getRepository(SyncRunItemEntity).countBy({ runId: run.id })).toBe(1);

    const taken = (await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: run.id }))!;
    await second.finish(taken, integration, SyncRunState.SUCCEEDED, null);
    expect(await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({
      state: SyncRunState.SUCCEEDED,
      leaseOwner: null,
      activeKey: null,
    });
    expect(await roster.dataSource.getRepository(AuditEventEntity).countBy({ accountId, action: 'sync.finished', targetId: run.id })).toBe(
      1,
    );
    expect(published).toMatchObject([{ type: SYNC_EVENT, jobId: run.id }]);
  });

  it('run lease: a handed-back run is queued again and claimable at once', async () => {
    const integration = await anIntegration();
    await queueRun(roster.dataSource, integration, { dryRun: false, trigger: SyncTrigger.MANUAL, requestedBy: null });
    const lease = new SyncRunLease(roster.dataSource, events, { owner: 'engine-c', leaseMs: 60_000, now: Date.now });
    const run = await lease.claim();
    expect(run?.integrationId).toBe(integration.id);
    await lease.handBack(run!);
    expect(await roster.dataSource.getRepository(SyncRunEntity).findOneByOrFail({ id: run!.id })).toMatchObject({
      state: SyncRunState.QUEUED,
      leaseOwner: null,
    });
    const other = new SyncRunLease(roster.dataSource, events, { owner: 'engine-d', leaseMs: 60_000, now: Date.now });
    expect((await other.claim())?.id).toBe(run!.id);
  });
});
