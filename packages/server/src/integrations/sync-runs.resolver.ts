import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs, toPageRequest } from '../core/lists/connection.js';
import { readKeysetPage } from '../core/lists/keyset.js';
import { syncRunLoaders } from './sync-run-loaders.js';
import { listSyncRunItems } from './sync/run-items-list.js';
import { SyncItemAction } from './sync/sync-run-item.entity.js';
import { emptyCounts, SyncRunEntity } from './sync/sync-run.entity.js';
import { SyncRun, SyncRunConnection, SyncRunItemConnection } from './integration.types.js';

export function toSyncRun(run: SyncRunEntity): SyncRun {
  return {
    id: run.id,
    accountId: run.accountId,
    integrationId: run.integrationId,
    state: run.state,
    stage: run.stage,
    dryRun: Boolean(run.dryRun),
    incremental: Boolean(run.incremental),
    note: run.note ?? null,
    trigger: run.trigger,
    counts: { ...emptyCounts(), ...JSON.parse(run.counts) },
    pendingSuspensions: run.pendingSuspensions,
    error: run.error,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    requestedBy: run.requestedBy,
  };
}

@Resolver(() => SyncRun)
export class SyncRunsResolver {
  @Query(() => SyncRunConnection, { description: 'Sync runs of one integration of the current MSP account, newest first.' })
  async syncRuns(
    @Arg('integrationId', () => ID, { description: 'The integration.' }) integrationId: string,
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    await ctx.services.integrations.find(viewer.accountId, integrationId, 'integrationId');
    return readSyncRuns(ctx, viewer.accountId, integrationId, page);
  }

  @Query(() => SyncRun, { description: 'One sync run of the current MSP account.' })
  async syncRun(@Arg('id', () => ID, { description: 'Id of the run.' }) id: string, @Ctx() ctx: RequestContext): Promise<SyncRun> {
    const viewer = await ctx.admin();
    return toSyncRun(await ctx.services.integrations.findRun(viewer.accountId, id));
  }

  @FieldResolver(() => String, { nullable: true, description: 'Who started the run (name or email); null when the schedule did.' })
  async requestedBy(@Root() run: SyncRun, @Ctx() ctx: RequestContext): Promise<string | null> {
    if (!run.requestedBy) return null;
    return syncRunLoaders(ctx, ctx.services.dataSource, run.accountId).personLabel.load(run.requestedBy);
  }

  @FieldResolver(() => Int, {
    description: 'Groups it would delete when it stopped for confirmation (see the PENDING_DELETION items); 0 otherwise.',
  })
  async pendingGroupDeletions(@Root() run: SyncRun, @Ctx() ctx: RequestContext): Promise<number> {
    const pending = await syncRunLoaders(ctx, ctx.services.dataSource, run.accountId).pendingItems.load(run.id);
    return pending[SyncItemAction.PENDING_DELETION] ?? 0;
  }

  @FieldResolver(() => Int, {
    description: 'Vault items it would archive when it stopped for confirmation (see the PENDING_ARCHIVE items); 0 otherwise.',
  })
  async pendingVaultArchives(@Root() run: SyncRun, @Ctx() ctx: RequestContext): Promise<number> {
    const pending = await syncRunLoaders(ctx, ctx.services.dataSource, run.accountId).pendingItems.load(run.id);
    return pending[SyncItemAction.PENDING_ARCHIVE] ?? 0;
  }

  @FieldResolver(() => SyncRunItemConnection, {
    description: 'What the run did (or would do) per object, in order; unchanged objects are only counted.',
  })
  async items(
    @Root() run: SyncRun,
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; at most 100 items.' }) page?: PageArgs,
    @Arg('action', () => SyncItemAction, { nullable: true, description: 'Only items with this action, e.g. FAILED.' })
    action?: SyncItemAction,
  ) {
    return listSyncRunItems(ctx.services.dataSource, run.id, page, action);
  }
}

/** A page of one integration's runs, newest first (the caller has checked the integration is the viewer's). */
export async function readSyncRuns(ctx: RequestContext, accountId: string, integrationId: string, page: PageArgs | undefined) {
  const request = toPageRequest(page, 'CREATED:DESC');
  const base = () =>
    ctx.services.dataSource
      .getRepository(SyncRunEntity)
      .createQueryBuilder('r')
      .where('r.account_id = :accountId AND r.integration_id = :integrationId', { accountId, integrationId });
  const [result, count] = await Promise.all([
    readKeysetPage<{ id: string }, { id: string }, SyncRunEntity>(base().select('r.id', 'id'), {
      sortKey: 'r.created_at',
      idColumn: 'r.id',
      ascending: false,
      request,
      orderName: 'CREATED:DESC',
      toNode: (row) => ({ id: row.id }),
    }),
    base().select('COUNT(*) AS n').getRawOne(),
  ]);
  const ids = result.edges.map((e) => e.node.id);
  const runs = ids.length ? await ctx.services.dataSource.getRepository(SyncRunEntity).findBy(ids.map((id) => ({ id }))) : [];
  const byId = new Map(runs.map((r) => [r.id, toSyncRun(r)]));
  return { ...result, edges: result.edges.map((e) => ({ ...e, node: byId.get(e.node.id)! })), totalCount: Number(count?.n ?? 0) };
}
