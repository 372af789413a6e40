import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { PersonEntity } from '../accounts/person.entity.js';
import type { RequestContext } from '../core/context.js';
import { PageArgs, toPageRequest } from '../core/lists/connection.js';
import { readKeysetPage } from '../core/lists/keyset.js';
import { liveEvents, type LiveEvent } from '../realtime/index.js';
import { ImportJobEntity, ImportJobState } from './import-job.entity.js';
import {
  CancelImportInput,
  ImportJob,
  ImportJobConnection,
  ImportJobPayload,
  ImportPreviewTotals,
  ImportRowConnection,
  ImportRowOutcome,
  ImportRowVerdict,
  PreviewImportInput,
  StartImportInput,
  UpdateImportMappingInput,
} from './import.types.js';
import { EMPTY_MAPPING } from './mapping.js';
import { listImportRows } from './import-rows-list.js';

export function toImportJob(job: ImportJobEntity): ImportJob {
  const outcomes = JSON.parse(job.outcomes ?? '{}') as Record<string, number>;
  return {
    id: job.id,
    accountId: job.accountId,
    createdByPersonId: job.createdByPersonId,
    fileName: job.fileName,
    state: job.state,
    error: job.error,
    delimiter: job.delimiter,
    hasHeader: job.hasHeader,
    columns: JSON.parse(job.columns ?? '[]'),
    mapping: job.mapping ? { ...EMPTY_MAPPING, ...JSON.parse(job.mapping) } : null,
    totalRows: job.totalRows,
    processedRows: job.processedRows,
    progress: job.state === ImportJobState.FINISHED ? 1 : job.totalRows ? Math.min(1, job.processedRows / job.totalRows) : 0,
    outcomes: {
      invited: outcomes.INVITED ?? 0,
      alreadyMember: outcomes.ALREADY_MEMBER ?? 0,
      alreadyInvited: outcomes.ALREADY_INVITED ?? 0,
      invalid: outcomes.INVALID ?? 0,
      duplicate: outcomes.DUPLICATE ?? 0,
      seatLimitReached: outcomes.SEAT_LIMIT ?? 0,
    },
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    createdBy: null,
    resultCsvUrl: `/api/imports/${job.id}/result.csv`,
    failedRowsCsvUrl: `/api/imports/${job.id}/failed-rows.csv`,
  };
}

@Resolver(() => ImportJob)
export class ImportsResolver {
  @Query(() => ImportJob, { description: 'One import of the current MSP account.' })
  async importJob(@Arg('id', () => ID, { description: 'Id of the import.' }) id: string, @Ctx() ctx: RequestContext): Promise<ImportJob> {
    const viewer = await ctx.admin();
    return toImportJob(await ctx.services.imports.find(viewer.accountId, id));
  }

  @Query(() => ImportJobConnection, { description: 'Past and running imports of the current MSP account, newest first.' })
  async importJobs(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    const request = toPageRequest(page, 'CREATED:DESC');
    const base = () =>
      ctx.services.dataSource
        .getRepository(ImportJobEntity)
        .createQueryBuilder('j')
        .where('j.account_id = :accountId', { accountId: viewer.accountId });
    const [result, count] = await Promise.all([
      readKeysetPage<{ id: string }, ImportJob, ImportJobEntity>(base().select('j.id', 'id'), {
        sortKey: 'j.created_at',
        idColumn: 'j.id',
        ascending: false,
        request,
        orderName: 'CREATED:DESC',
        toNode: (row) => ({ id: row.id }) as ImportJob,
      }),
      base().select('COUNT(*) AS n').getRawOne(),
    ]);
    const jobs = await ctx.services.dataSource.getRepository(ImportJobEntity).findBy(result.edges.map((e) => ({ id: e.node.id })));
    const byId = new Map(jobs.map((j) => [j.id, toImportJob(j)]));
    return { ...result, edges: result.edges.map((e) => ({ ...e, node: byId.get(e.node.id)! })), totalCount: Number(count?.n ?? 0) };
  }

  @Mutation(() => ImportJobPayload, {
    description: 'Previews rows given as JSON, exactly like an uploaded CSV file. Nothing is imported until startImport.',
  })
  async previewImport(
    @Arg('input', () => PreviewImportInput, {
      description: 'The rows to check, as JSON (CSV files go through POST /api/imports), and the import options.',
    })
    input: PreviewImportInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobPayload> {
    const viewer = await ctx.admin();
    return { job: toImportJob(await ctx.services.imports.createFromRows(viewer, input.rows, input.name ?? null)) };
  }

  @Mutation(() => ImportJobPayload, { description: 'Changes the column mapping of a previewed import and recomputes every verdict.' })
  async updateImportMapping(
    @Arg('input', () => UpdateImportMappingInput, { description: 'The previewed job and the new column mapping or options.' })
    input: UpdateImportMappingInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobPayload> {
    const viewer = await ctx.admin();
    const given = { ...EMPTY_MAPPING, ...Object.fromEntries(Object.entries(input.mapping).map(([k, v]) => [k, v ?? null])) };
    // Left out (a client that predates it), the job title column stays as it was; null clears it.
    const mapping = { ...given, jobTitle: input.mapping.jobTitle === undefined ? undefined : input.mapping.jobTitle };
    return { job: toImportJob(await ctx.services.imports.remap(viewer, input.jobId, mapping, input.hasHeader)) };
  }

  @Mutation(() => ImportJobPayload, {
    description: 'Starts importing a previewed file in the background; follow it with importJob or importJobUpdated.',
  })
  async startImport(
    @Arg('input', () => StartImportInput, { description: 'The previewed job to run, and what to do with unknown companies and groups.' })
    input: StartImportInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobPayload> {
    const viewer = await ctx.admin();
    const job = await ctx.services.imports.start(viewer, input.jobId, {
      defaultRole: input.defaultRole,
      sendEmails: input.sendEmails,
      unknownCompanies: input.unknownCompanies,
      unknownGroups: input.unknownGroups,
    });
    return { job: toImportJob(job) };
  }

  @Mutation(() => ImportJobPayload, {
    description:
      'Cancels a running import between two batches: the rows imported so far stay, the job ends CANCELLED and says where it stopped. A cancelled import cannot be started again.',
  })
  async cancelImport(
    @Arg('input', () => CancelImportInput, { description: 'The running import to stop.' }) input: CancelImportInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobPayload> {
    const viewer = await ctx.admin();
    const job = await ctx.services.imports.cancel(viewer, input.jobId);
    ctx.services.events.publish({ accountId: job.accountId, type: 'import.progress', userIds: [], jobId: job.id, at: new Date() });
    return { job: toImportJob(job) };
  }

  @Subscription(() => ImportJob, {
    description: 'The import each time its progress changes, until it finishes.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { id: string }, RequestContext>) => {
      const viewer = await context.admin();
      await context.services.imports.find(viewer.accountId, args.id);
      return liveEvents(context, (event) => event.type === 'import.progress' && event.jobId === args.id, {
        maxQueue: 5,
        // The first answer is the job as it is now: a small import may finish before the page subscribes.
        initial: (subscriber) => ({
          accountId: subscriber.accountId,
          type: 'import.progress',
          userIds: [],
          jobId: args.id,
          at: new Date(),
        }),
      });
    },
  })
  async importJobUpdated(
    @Root() event: LiveEvent,
    @Arg('id', () => ID, { description: 'Id of the import.' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJob> {
    return toImportJob(await ctx.services.imports.find(event.viewer.accountId, id));
  }

  @FieldResolver(() => ImportPreviewTotals, { description: 'Verdict totals of the preview.' })
  async totals(@Root() job: ImportJob, @Ctx() ctx: RequestContext): Promise<ImportPreviewTotals> {
    const entity = await ctx.services.imports.find(job.accountId, job.id);
    const totals = await ctx.services.imports.totals(entity);
    return {
      total: totals.total,
      new: totals.byVerdict.NEW,
      alreadyMember: totals.byVerdict.ALREADY_MEMBER,
      alreadyInvited: totals.byVerdict.ALREADY_INVITED,
      invalid: totals.byVerdict.INVALID,
      duplicate: totals.byVerdict.DUPLICATE,
      unknownCompanies: totals.unknownCompanies,
      unknownGroups: totals.unknownGroups,
    };
  }

  @FieldResolver(() => ImportRowConnection, { description: 'The rows, in file order, optionally only those with one verdict.' })
  async rows(
    @Root() job: ImportJob,
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; at most 100 rows.' }) page?: PageArgs,
    @Arg('verdict', () => ImportRowVerdict, { nullable: true, description: 'Only rows with this verdict.' }) verdict?: ImportRowVerdict,
    @Arg('outcomes', () => [ImportRowOutcome], {
      nullable: true,
      description: 'Only rows the import gave one of these outcomes (e.g. the failed and skipped ones).',
    })
    outcomes?: ImportRowOutcome[],
  ) {
    return listImportRows(ctx.services.dataSource, job.id, page, verdict, outcomes);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Who ran the import (name or email).' })
  async createdBy(@Root() job: ImportJob, @Ctx() ctx: RequestContext): Promise<string | null> {
    if (!job.createdByPersonId) return null;
    const person = await ctx.services.dataSource.getRepository(PersonEntity).findOneBy({ id: job.createdByPersonId });
    return person ? (person.name ?? person.email) : null;
  }
}
