import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs } from '../core/lists/connection.js';
import { actorKey } from './audit-log.service.js';
import { AuditActor, AuditEvent, AuditEventConnection, AuditEventFilter } from './audit-log.types.js';

@Resolver(() => AuditEvent)
export class AuditLogResolver {
  @Query(() => AuditEventConnection, {
    description:
      "The current MSP account's audit log, newest first, filtered. Also downloadable as CSV from `/api/audit.csv` with the same filters. Administrators only.",
  })
  async auditEvents(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 events by default, at most 100.' }) page?: PageArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Conditions every returned event meets.' })
    filter?: AuditEventFilter,
  ) {
    const viewer = await ctx.admin();
    return ctx.services.auditLog.list(viewer.accountId, page, filter);
  }

  @FieldResolver(() => AuditActor, {
    description: 'Who made the change, with a display name (batched: one query per kind of actor per page).',
  })
  async actor(@Root() event: AuditEvent, @Ctx() ctx: RequestContext): Promise<AuditActor> {
    return ctx.loaders(await ctx.viewer()).auditActor.load(actorKey(event));
  }
}
