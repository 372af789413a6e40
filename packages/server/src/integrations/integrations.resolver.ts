import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs, toPageRequest } from '../core/lists/connection.js';
import { readKeysetPage } from '../core/lists/keyset.js';
import { liveEvents, type LiveEvent } from '../realtime/index.js';
import { integrationKinds } from './connectors/catalog.js';
import { IntegrationEntity } from './integration.entity.js';
import { destinationSettings, IntegrationType, parseIntegrationOptions } from './integration-kinds.js';
import type { IntegrationService } from './integration.service.js';
import {
  CreateIntegrationInput,
  CredentialFieldControl,
  CreateIntegrationPayload,
  DeleteIntegrationPayload,
  Integration,
  IntegrationConnection,
  IntegrationIdInput,
  IntegrationPayload,
  IntegrationTypeInfo,
  RotateScimTokenPayload,
  StartSyncInput,
  SyncRun,
  SyncRunConnection,
  SyncRunIdInput,
  SyncRunPayload,
  TestIntegrationConnectionInput,
  TestIntegrationConnectionPayload,
  UpdateIntegrationInput,
  type ConnectionTestFailure,
} from './integration.types.js';
import { SyncRunEntity } from './sync/sync-run.entity.js';
import { SYNC_EVENT } from './sync/sync-engine.js';
import { readSyncRuns, toSyncRun } from './sync-runs.resolver.js';
import { syncRunLoaders } from './sync-run-loaders.js';

export function toIntegration(entity: IntegrationEntity, service: IntegrationService, publicUrl: string): Integration {
  return {
    id: entity.id,
    accountId: entity.accountId,
    type: entity.type,
    name: entity.name,
    status: entity.status,
    lastError: entity.lastError,
    options: parseIntegrationOptions(entity.type, entity.options),
    syncIntervalMinutes: entity.syncIntervalMinutes,
    lastSyncAt: entity.lastSyncAt,
    nextSyncAt: entity.nextSyncAt,
    hasCredentials: entity.sealedCredentials !== null,
    credentialFieldsSet: service.credentialFieldsSet(entity),
    // One base URL per account: the bearer token says which integration (and account) a request is for.
    scimBaseUrl: entity.type === IntegrationType.SCIM ? `${publicUrl}/scim/v2` : null,
    scimTokenPrefix: entity.scimTokenPrefix,
    scimTokenRotatedAt: entity.scimTokenRotatedAt,
    lastRequestAt: entity.lastRequestAt ?? null,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

/** Integrations of the current MSP account. Administrators only; ids of other accounts are NOT_FOUND. */
@Resolver(() => Integration)
export class IntegrationsResolver {
  @Query(() => [IntegrationTypeInfo], {
    description: 'The integration types that can be set up, with the credentials each needs and what it brings in.',
  })
  async integrationTypes(@Ctx() ctx: RequestContext): Promise<IntegrationTypeInfo[]> {
    await ctx.admin();
    return integrationKinds.map(({ connect: _connect, ...kind }) => {
      const destinations = destinationSettings(kind.type);
      return {
        ...kind,
        credentialFields: kind.credentialFields.map((field) => ({
          ...field,
          control: (field.control ?? 'TEXT') as CredentialFieldControl,
          destination: destinations.includes(field.name),
        })),
      };
    });
  }

  @Query(() => IntegrationConnection, { description: 'Configured integrations of the current MSP account, oldest first.' })
  async integrations(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    const request = toPageRequest(page, 'CREATED:ASC');
    const base = () =>
      ctx.services.dataSource
        .getRepository(IntegrationEntity)
        .createQueryBuilder('i')
        .where('i.account_id = :accountId', { accountId: viewer.accountId });
    const [result, count] = await Promise.all([
      readKeysetPage<{ id: string }, { id: string }, IntegrationEntity>(base().select('i.id', 'id'), {
        sortKey: 'i.created_at',
        idColumn: 'i.id',
        ascending: true,
        request,
        orderName: 'CREATED:ASC',
        toNode: (row) => ({ id: row.id }),
      }),
      base().select('COUNT(*) AS n').getRawOne(),
    ]);
    const ids = result.edges.map((e) => e.node.id);
    const entities = ids.length ? await ctx.services.dataSource.getRepository(IntegrationEntity).findBy(ids.map((id) => ({ id }))) : [];
    const byId = new Map(entities.map((e) => [e.id, toIntegration(e, ctx.services.integrations, ctx.services.config.publicUrl)]));
    return { ...result, edges: result.edges.map((e) => ({ ...e, node: byId.get(e.node.id)! })), totalCount: Number(count?.n ?? 0) };
  }

  @Query(() => Integration, { description: 'One integration of the current MSP account.' })
  async integration(
    @Arg('id', () => ID, { description: 'Id of the integration.' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Integration> {
    const viewer = await ctx.admin();
    return this.map(ctx, await ctx.services.integrations.find(viewer.accountId, id));
  }

  @FieldResolver(() => SyncRun, { nullable: true, description: 'The run that is queued, running or awaiting confirmation, if any.' })
  async activeRun(@Root() integration: Integration, @Ctx() ctx: RequestContext): Promise<SyncRun | null> {
    const run = await syncRunLoaders(ctx, ctx.services.dataSource, integration.accountId).activeRun.load(integration.id);
    return run ? toSyncRun(run) : null;
  }

  @FieldResolver(() => SyncRun, { nullable: true, description: 'The most recent run, whatever its state.' })
  async lastRun(@Root() integration: Integration, @Ctx() ctx: RequestContext): Promise<SyncRun | null> {
    const run = await syncRunLoaders(ctx, ctx.services.dataSource, integration.accountId).lastRun.load(integration.id);
    return run ? toSyncRun(run) : null;
  }

  @FieldResolver(() => SyncRunConnection, { description: 'This integration’s sync runs, newest first.' })
  async syncRuns(
    @Root() integration: Integration,
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page.' }) page?: PageArgs,
  ) {
    return readSyncRuns(ctx, integration.accountId, integration.id, page);
  }

  @Mutation(() => CreateIntegrationPayload, {
    description: 'Sets up an integration. For SCIM the payload carries the bearer token, shown only this once.',
  })
  async createIntegration(
    @Arg('input', () => CreateIntegrationInput, { description: 'The new integration: name, type, credentials, options and schedule.' })
    input: CreateIntegrationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateIntegrationPayload> {
    const viewer = await ctx.admin();
    const { integration, scimToken } = await ctx.services.integrations.create(viewer, {
      name: input.name,
      type: input.type,
      credentials: input.credentials ?? [],
      options: { ...(input.options ?? {}) } as never,
      syncIntervalMinutes: input.syncIntervalMinutes ?? null,
    });
    return { integration: this.map(ctx, integration), scimToken };
  }

  @Mutation(() => IntegrationPayload, {
    description: 'Renames an integration or changes its options, schedule or credentials (credentials are only ever replaced, never read).',
  })
  async updateIntegration(
    @Arg('input', () => UpdateIntegrationInput, { description: 'The integration and what to change.' }) input: UpdateIntegrationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<IntegrationPayload> {
    const viewer = await ctx.admin();
    const integration = await ctx.services.integrations.update(viewer, input.id, {
      name: input.name,
      options: input.options ? ({ ...input.options } as never) : null,
      syncIntervalMinutes: input.syncIntervalMinutes,
      credentials: input.credentials,
    });
    return { integration: this.map(ctx, integration) };
  }

  @Mutation(() => TestIntegrationConnectionPayload, {
    description: 'Checks that the platform accepts the credentials and permissions, without syncing anything.',
  })
  async testIntegrationConnection(
    @Arg('input', () => TestIntegrationConnectionInput, { description: 'The saved integration, or a type and credentials to try.' })
    input: TestIntegrationConnectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<TestIntegrationConnectionPayload> {
    const viewer = await ctx.admin();
    const result = await ctx.services.integrations.testConnection(viewer, input);
    const integration = input.id ? this.map(ctx, await ctx.services.integrations.find(viewer.accountId, input.id, 'input.id')) : null;
    return { ok: result.ok, failure: result.code as ConnectionTestFailure | null, message: result.message, integration };
  }

  @Mutation(() => RotateScimTokenPayload, {
    description: 'Makes a new SCIM bearer token, shown this once; the old token stops working at once.',
  })
  async rotateScimToken(
    @Arg('input', () => IntegrationIdInput, { description: 'The integration.' }) input: IntegrationIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RotateScimTokenPayload> {
    const viewer = await ctx.admin();
    const { integration, scimToken } = await ctx.services.integrations.rotateScimToken(viewer, input.id);
    return { integration: this.map(ctx, integration), scimToken };
  }

  @Mutation(() => IntegrationPayload, {
    description: 'Turns an integration off: no scheduled syncs, SCIM requests refused, an active sync cancelled. Nothing is deleted.',
  })
  async disableIntegration(
    @Arg('input', () => IntegrationIdInput, { description: 'The integration.' }) input: IntegrationIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<IntegrationPayload> {
    const viewer = await ctx.admin();
    return { integration: this.map(ctx, await ctx.services.integrations.setEnabled(viewer, input.id, false)) };
  }

  @Mutation(() => IntegrationPayload, { description: 'Turns a disabled integration back on; its schedule restarts from now.' })
  async enableIntegration(
    @Arg('input', () => IntegrationIdInput, { description: 'The integration.' }) input: IntegrationIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<IntegrationPayload> {
    const viewer = await ctx.admin();
    return { integration: this.map(ctx, await ctx.services.integrations.setEnabled(viewer, input.id, true)) };
  }

  @Mutation(() => DeleteIntegrationPayload, {
    description: 'Deletes an integration with its credentials, runs and links. The users, groups and companies it brought in stay.',
  })
  async deleteIntegration(
    @Arg('input', () => IntegrationIdInput, { description: 'The integration.' }) input: IntegrationIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeleteIntegrationPayload> {
    const viewer = await ctx.admin();
    const removed = await ctx.services.integrations.remove(viewer, input.id);
    return { id: removed.id };
  }

  @Mutation(() => SyncRunPayload, {
    description: 'Starts a sync (or a dry run) now. Refused with SYNC_ALREADY_RUNNING while another run of the integration is active.',
  })
  async startSync(
    @Arg('input', () => StartSyncInput, { description: 'The integration, and whether this is a dry run.' }) input: StartSyncInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRunPayload> {
    const viewer = await ctx.admin();
    return { run: toSyncRun(await ctx.services.integrations.startSync(viewer, input.integrationId, input.dryRun)) };
  }

  @Mutation(() => SyncRunPayload, {
    description: 'Lets a run stopped by the mass-suspend safeguard go on and suspend the users it listed.',
  })
  async confirmSync(
    @Arg('input', () => SyncRunIdInput, { description: 'The sync run.' }) input: SyncRunIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRunPayload> {
    const viewer = await ctx.admin();
    return { run: toSyncRun(await ctx.services.integrations.confirmSync(viewer, input.runId)) };
  }

  @Mutation(() => SyncRunPayload, { description: 'Cancels a queued, running or waiting run; what it already did stays done.' })
  async cancelSync(
    @Arg('input', () => SyncRunIdInput, { description: 'The sync run.' }) input: SyncRunIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<SyncRunPayload> {
    const viewer = await ctx.admin();
    return { run: toSyncRun(await ctx.services.integrations.cancelSync(viewer, input.runId)) };
  }

  @Subscription(() => SyncRun, {
    description: 'The sync runs of the current MSP account each time one starts, progresses, stops for confirmation or ends.',
    subscribe: ({ context }: SubscribeResolverData<unknown, Record<string, never>, RequestContext>) =>
      liveEvents(context, (event) => event.type === SYNC_EVENT),
  })
  async syncRunUpdated(@Root() event: LiveEvent, @Ctx() ctx: RequestContext): Promise<SyncRun> {
    return toSyncRun(await ctx.services.integrations.findRun(event.viewer.accountId, event.jobId!));
  }

  private map(ctx: RequestContext, entity: IntegrationEntity): Integration {
    return toIntegration(entity, ctx.services.integrations, ctx.services.config.publicUrl);
  }
}
