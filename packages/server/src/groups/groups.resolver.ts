import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import {
  CreateGroupInput,
  DeleteByIdInput,
  DeletePayload,
  GroupMembersInput,
  GroupPayload,
  UpdateGroupInput,
  UsersPayload,
} from '../companies/company-mutations.types.js';
import type { RequestContext } from '../core/context.js';
import { notFound } from '../core/errors.js';
import { refuseIfGroupManaged } from '../core/upstream-ownership.js';
import { rowCountDescription } from '../core/lists/capped-count.js';
import { PageArgs } from '../core/lists/connection.js';
import { listByName } from '../core/lists/named-list.js';
import { selectsField } from '../core/selected-fields.js';
import { GroupEntity } from './group.entity.js';
import { memberIdsForLiveEvent } from './live-member-ids.js';
import { Group, GroupConnection } from './group.types.js';

@Resolver(() => Group)
export class GroupsResolver {
  @Query(() => GroupConnection, { description: "The current MSP account's groups, by name." })
  async groups(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
    @Arg('search', () => String, {
      nullable: true,
      description:
        'The start of the name, any letter case (`cont` finds Contoso): names are searched through their index, by their start only.',
    })
    search?: string,
    @Info() info?: GraphQLResolveInfo,
  ) {
    const viewer = await ctx.admin();
    return listByName<Group, GroupEntity>(
      ctx.services.dataSource,
      GroupEntity,
      'uq_user_groups_account_name',
      ['id', 'name', 'description'],
      viewer.accountId,
      page,
      search,
      selectsField(info, 'totalCount'),
    );
  }

  @Query(() => Group, { description: 'One group of the current MSP account. NOT_FOUND for any other id.' })
  async group(@Arg('id', () => ID, { description: 'Id of the group.' }) id: string, @Ctx() ctx: RequestContext): Promise<Group> {
    const viewer = await ctx.admin();
    const group = await ctx.services.dataSource.getRepository(GroupEntity).findOneBy({ id, accountId: viewer.accountId });
    if (!group) throw notFound('Group', 'id');
    return group;
  }

  @FieldResolver(() => Int, { description: rowCountDescription('users are members of this group') })
  async userCount(@Root() group: Group, @Ctx() ctx: RequestContext): Promise<number> {
    return ctx.loaders(await ctx.viewer()).groupUserCount.load(group.id);
  }

  @Mutation(() => GroupPayload, { description: 'Creates a group. BAD_USER_INPUT when the name is empty, too long or taken.' })
  async createGroup(
    @Arg('input', () => CreateGroupInput, { description: 'The new group: its name and an optional description.' }) input: CreateGroupInput,
    @Ctx() ctx: RequestContext,
  ): Promise<GroupPayload> {
    const group = await ctx.services.groups.create(await ctx.admin(), input.name, { description: input.description });
    return { group: { id: group.id, name: group.name, description: group.description } };
  }

  @Mutation(() => GroupPayload, { description: 'Renames a group or changes its description.' })
  async updateGroup(
    @Arg('input', () => UpdateGroupInput, { description: 'The group and its new name and/or description.' }) input: UpdateGroupInput,
    @Ctx() ctx: RequestContext,
  ): Promise<GroupPayload> {
    const viewer = await ctx.admin();
    if (input.name !== undefined && input.name !== null) {
      // Restating the current name (a form that sends every field) is not a rename.
      const current = await ctx.services.dataSource.getRepository(GroupEntity).findOneBy({ id: input.id, accountId: viewer.accountId });
      if (current && current.name !== input.name.trim())
        await refuseIfGroupManaged(ctx.services.upstreamOwnership, viewer.accountId, input.id, 'renaming it');
    }
    const group = await ctx.services.groups.update(
      viewer,
      input.id,
      input.name,
      input.description === undefined ? {} : { description: input.description },
    );
    return { group: { id: group.id, name: group.name, description: group.description } };
  }

  @Mutation(() => DeletePayload, { description: 'Deletes a group; its members stay in the account.' })
  async deleteGroup(
    @Arg('input', () => DeleteByIdInput, { description: 'The group to delete; its users stay.' }) input: DeleteByIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeletePayload> {
    const viewer = await ctx.admin();
    await refuseIfGroupManaged(ctx.services.upstreamOwnership, viewer.accountId, input.id, 'deleting it');
    const members = await memberIdsForLiveEvent(ctx.services.dataSource, viewer.accountId, input.id);
    await ctx.services.groups.remove(viewer, input.id);
    if (members.length)
      ctx.services.events.publish({
        accountId: viewer.accountId,
        type: 'user.changed',
        userIds: members,
        at: new Date(),
      });
    return { deletedId: input.id };
  }

  @Mutation(() => UsersPayload, { description: 'Adds users to a group (those already in it stay).' })
  async addGroupMembers(
    @Arg('input', () => GroupMembersInput, { description: 'The group and the users to add to it.' }) input: GroupMembersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UsersPayload> {
    const viewer = await ctx.admin();
    await refuseIfGroupManaged(ctx.services.upstreamOwnership, viewer.accountId, input.groupId, 'adding members');
    const ids = await ctx.services.assignments.addToGroup(viewer, input.groupId, input.userIds);
    return { users: await ctx.services.users.findManyById(viewer.accountId, ids) };
  }

  @Mutation(() => UsersPayload, { description: 'Removes users from a group.' })
  async removeGroupMembers(
    @Arg('input', () => GroupMembersInput, { description: 'The group and the users to take out of it.' }) input: GroupMembersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UsersPayload> {
    const viewer = await ctx.admin();
    await refuseIfGroupManaged(ctx.services.upstreamOwnership, viewer.accountId, input.groupId, 'removing members');
    const ids = await ctx.services.assignments.removeFromGroup(viewer, input.groupId, input.userIds);
    return { users: await ctx.services.users.findManyById(viewer.accountId, ids) };
  }
}
