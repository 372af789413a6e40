import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs } from '../core/lists/connection.js';
import { User, UserConnection, UserFilter, UserOrder } from './user.types.js';

@Resolver(() => User)
export class UsersResolver {
  @Query(() => UserConnection, { description: "The current MSP account's users, filtered, sorted and paginated. Administrators only." })
  async users(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 users by default, at most 100.' }) page?: PageArgs,
    @Arg('filter', () => UserFilter, { nullable: true, description: 'Conditions every returned user meets.' }) filter?: UserFilter,
    @Arg('orderBy', () => UserOrder, {
      nullable: true,
      description: 'Sort order; by email ascending by default. Not applied to a search (`filter.search`), which comes best match first.',
    })
    orderBy?: UserOrder,
  ) {
    const viewer = await ctx.admin();
    return ctx.services.users.list(viewer.accountId, page, filter, orderBy);
  }

  @Query(() => User, { description: 'One user of the current MSP account. NOT_FOUND for any other id.' })
  async user(@Arg('id', () => ID, { description: 'Id of the user.' }) id: string, @Ctx() ctx: RequestContext): Promise<User> {
    const viewer = await ctx.admin();
    return ctx.services.users.findById(viewer.accountId, id);
  }
}
