import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../app/context.js';
import { notFound } from '../app/errors.js';
import { PageArgs } from '../common/connection.js';
import { listByName } from '../common/named-list.js';
import { GroupEntity } from './group.entity.js';
import { Group, GroupConnection } from './group.types.js';

@Resolver(() => Group)
export class GroupsResolver {
  @Query(() => GroupConnection, { description: "The current MSP account's groups, by name." })
  async groups(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of the name, any letter case.' }) search?: string,
  ) {
    const viewer = await ctx.admin();
    return listByName<Group, GroupEntity>(ctx.services.dataSource, GroupEntity, ['id', 'name', 'description'], viewer.accountId, page, search);
  }

  @Query(() => Group, { description: 'One group of the current MSP account. NOT_FOUND for any other id.' })
  async group(@Arg('id', () => ID, { description: 'Id of the group.' }) id: string, @Ctx() ctx: RequestContext): Promise<Group> {
    const viewer = await ctx.admin();
    const group = await ctx.services.dataSource.getRepository(GroupEntity).findOneBy({ id, accountId: viewer.accountId });
    if (!group) throw notFound('Group', 'id');
    return group;
  }

  @FieldResolver(() => Int, { description: 'How many users are members of this group.' })
  async userCount(@Root() group: Group, @Ctx() ctx: RequestContext): Promise<number> {
    return ctx.loaders(await ctx.viewer()).groupUserCount.load(group.id);
  }
}
