import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { User } from '../accounts/user.types.js';
import type { RequestContext } from '../core/context.js';
import { Group } from '../groups/group.types.js';
import { ExternalResourceType } from './integration-kinds.js';
import { managedByLoader, ManagingIntegration } from './managed-by.js';

/* The integration behind a user or group, added to those types by this feature (accounts and groups know no integrations). */

@Resolver(() => User)
export class UserManagedByResolver {
  @FieldResolver(() => ManagingIntegration, {
    nullable: true,
    description: 'The integration (SCIM or a sync) that brought this user in and keeps it in step; null for users added in Roster.',
  })
  async managedBy(@Root() user: User, @Ctx() ctx: RequestContext): Promise<ManagingIntegration | null> {
    const viewer = await ctx.viewer();
    return managedByLoader(ctx, ctx.services.dataSource, viewer.accountId, ExternalResourceType.USER).load(user.id);
  }
}

@Resolver(() => Group)
export class GroupManagedByResolver {
  @FieldResolver(() => ManagingIntegration, {
    nullable: true,
    description: 'The integration that brought this group in and keeps its name and members in step; null for groups made in Roster.',
  })
  async managedBy(@Root() group: Group, @Ctx() ctx: RequestContext): Promise<ManagingIntegration | null> {
    const viewer = await ctx.viewer();
    return managedByLoader(ctx, ctx.services.dataSource, viewer.accountId, ExternalResourceType.GROUP).load(group.id);
  }
}
