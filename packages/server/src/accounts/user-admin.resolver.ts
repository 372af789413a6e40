import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { UserActionPayload } from '../invitations/invitation.types.js';
import { ChangeUserRoleInput, UserSelectionInput } from './user-admin.types.js';

@Resolver()
export class UserAdminResolver {
  @Mutation(() => UserActionPayload, {
    description:
      'Gives the selected users a role, with a result per user (codes OWNER_REQUIRED, LAST_OWNER, NOT_FOUND). Administrators only; audited as user.role_changed.',
  })
  async changeUserRole(
    @Arg('input', () => ChangeUserRoleInput, { description: 'The users and their new role.' }) input: ChangeUserRoleInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    return { results: await ctx.services.userAdmin.changeRole(viewer, input.userIds, input.role) };
  }

  @Mutation(() => UserActionPayload, {
    description:
      'Suspends the selected users: they can no longer sign in, nothing is deleted. Not yourself, not owners (codes CANNOT_SUSPEND_SELF, OWNER_NOT_SUSPENDABLE, ALREADY_SUSPENDED, NOT_FOUND). Administrators only; audited.',
  })
  async suspendUsers(
    @Arg('input', () => UserSelectionInput, { description: 'The users to act on.' }) input: UserSelectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    return { results: await ctx.services.userAdmin.suspend(viewer, input.userIds) };
  }

  @Mutation(() => UserActionPayload, {
    description:
      'Restores suspended users to where they were: active, or pending when they had not accepted (codes NOT_SUSPENDED, NOT_FOUND). Administrators only; audited.',
  })
  async restoreUsers(
    @Arg('input', () => UserSelectionInput, { description: 'The users to act on.' }) input: UserSelectionInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    return { results: await ctx.services.userAdmin.restore(viewer, input.userIds) };
  }
}
