import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { badInput } from '../core/errors.js';
import { IntegrationType } from './integration-kinds.js';
import { Integration } from './integration.types.js';
import { MAX_ACTIVITY, scimActivity } from './scim-activity.js';
import { ScimActivityItem } from './scim-activity.types.js';

/** What a SCIM integration's identity provider has been doing: its last request and recent activity. */
@Resolver(() => Integration)
export class ScimActivityResolver {
  @FieldResolver(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'SCIM only: when the identity provider last made an authenticated request (to the minute: written at most once a minute); null until its first request ("waiting for first request").',
  })
  lastRequestAt(@Root() integration: Integration): Date | null {
    return integration.lastRequestAt ?? null;
  }

  @FieldResolver(() => [ScimActivityItem], {
    description: `SCIM only (empty for other types): the newest changes its identity provider made (creates, updates, deactivations, removals) and requests Roster answered with an error, newest first; at most ${MAX_ACTIVITY}.`,
  })
  async scimActivity(
    @Root() integration: Integration,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { defaultValue: 10, description: `How many, 1 to ${MAX_ACTIVITY}.` }) first: number,
  ): Promise<ScimActivityItem[]> {
    if (first < 1 || first > MAX_ACTIVITY) throw badInput('first', `Ask for 1 to ${MAX_ACTIVITY} items.`);
    if (integration.type !== IntegrationType.SCIM) return [];
    return scimActivity(ctx.services.dataSource, ctx.services.auditLog, integration, first);
  }
}
