import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../accounts/user.types.js';
import type { RequestContext } from '../core/context.js';
import { badInput, forbidden } from '../core/errors.js';
import { MAX_ADDRESS_TEXT, parseAddressList } from './address-list.js';
import { describeViewer } from '../auth/index.js';
import { PageArgs } from '../core/lists/connection.js';
import { DeliveryStatus } from './invitation.entity.js';
import {
  ReadAddress,
  AcceptInvitationInput,
  AcceptInvitationPayload,
  DevMailboxConnection,
  InvitationInfo,
  InvitationPreviewType,
  InviteUsersInput,
  InviteUsersPayload,
  ReinviteUsersInput,
  UninviteUsersInput,
  UserActionPayload,
} from './invitation.types.js';
import { InviteVerdict } from './invitation-model.js';

const HIDDEN_INVITATION_TEXT = 'This invitation gives a role above yours, so its link is only shown to those who may grant that role.';

@Resolver(() => User)
export class InvitationsResolver {
  @Mutation(() => InviteUsersPayload, {
    description: 'Invites one or many addresses; every address gets a verdict and valid new ones are invited.',
  })
  async inviteUsers(
    @Arg('input', () => InviteUsersInput, {
      description: 'The addresses to invite (one or a pasted list) with the role, company and groups to apply on acceptance.',
    })
    input: InviteUsersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<InviteUsersPayload> {
    const viewer = await ctx.admin();
    const outcomes = await ctx.services.invitations.inviteAddresses(viewer, input.addresses, {
      role: input.role,
      companyId: input.companyId,
      groupIds: input.groupIds,
      jobTitle: input.jobTitle,
      sendEmail: input.sendEmail,
    });
    const ids = outcomes.map((o) => o.userId).filter((id): id is string => id !== null);
    const users = new Map((await ctx.services.users.findManyById(viewer.accountId, ids)).map((u) => [u.id, u]));
    return {
      invitedCount: outcomes.filter((o) => o.verdict === InviteVerdict.INVITED).length,
      results: outcomes.map((o) => ({ ...o, user: o.userId ? (users.get(o.userId) ?? null) : null })),
    };
  }

  @Mutation(() => UserActionPayload, {
    description: 'Sends each pending user a new link (the old one dies, the lifetime restarts). At most once a minute per user.',
  })
  async reinviteUsers(
    @Arg('input', () => ReinviteUsersInput, { description: 'The pending (or staged) users to send a new link, and whether to email it.' })
    input: ReinviteUsersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    return { results: await ctx.services.invitations.reinvite(viewer, input.userIds, input.sendEmail) };
  }

  @Mutation(() => UserActionPayload, {
    description: 'Revokes the invitation of each pending user (the link dies) and removes them from the account.',
  })
  async uninviteUsers(
    @Arg('input', () => UninviteUsersInput, { description: 'The pending (or staged) users whose invitation is withdrawn.' })
    input: UninviteUsersInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    return { results: await ctx.services.invitations.uninvite(viewer, input.userIds) };
  }

  @Query(() => [ReadAddress], {
    description:
      'How inviteUsers will read a pasted address list (each entry, its address and name, or why it is not one), without inviting anyone: the invite dialog shows it as the admin types.',
  })
  async readInviteAddresses(
    @Arg('addresses', () => String, { description: 'The pasted list, as inviteUsers takes it.' }) addresses: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ReadAddress[]> {
    await ctx.admin();
    if (addresses.length > MAX_ADDRESS_TEXT)
      throw badInput('addresses', 'The list is too long; paste at most 1,000 addresses at a time, or import a CSV file.');
    return parseAddressList(addresses);
  }

  @Query(() => InvitationPreviewType, { description: 'What an invitation link is, without using it. Public: the token is the credential.' })
  async invitationByToken(
    @Arg('token', () => String, { description: 'The token from the invitation link.' }) token: string,
    @Ctx() ctx: RequestContext,
  ): Promise<InvitationPreviewType> {
    return ctx.services.invitations.preview(token);
  }

  @Mutation(() => AcceptInvitationPayload, {
    description: 'Accepts an invitation and signs the invitee in. Each failure has its own code (INVITATION_EXPIRED, ...).',
  })
  async acceptInvitation(
    @Arg('input', () => AcceptInvitationInput, {
      description: "The token from the invitation link, and the new person's name and password (or the existing person's password).",
    })
    input: AcceptInvitationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AcceptInvitationPayload> {
    const signedIn = await ctx.viewer().catch(() => null);
    const { personId, membership } = await ctx.services.invitations.accept(
      input.token,
      { name: input.name, password: input.password },
      signedIn,
    );
    const { token, viewer } = await ctx.services.sessions.openSession(personId, membership);
    ctx.setSessionCookie(token);
    ctx.useViewer(viewer);
    return { viewer: await describeViewer(ctx, viewer) };
  }

  @Query(() => DevMailboxConnection, {
    description: 'Emails caught by the dev mailbox of this account, newest first. Only without RESEND_API_KEY.',
  })
  async devMailbox(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    if (ctx.services.config.resendApiKey) throw forbidden('The dev mailbox is off: emails go through Resend.');
    const emails = await ctx.services.devMailbox.list(viewer.accountId, page);
    // An invitation's email carries its accept link: nobody sees the link of an invitation they could not send.
    const hidden = await ctx.services.invitations.emailsHiddenFrom(
      viewer,
      emails.edges.map((edge) => edge.node.id),
    );
    if (hidden.size === 0) return emails;
    return {
      ...emails,
      edges: emails.edges.map((edge) =>
        hidden.has(edge.node.id) ? { ...edge, node: { ...edge.node, html: null, text: HIDDEN_INVITATION_TEXT, link: null } } : edge,
      ),
    };
  }

  @FieldResolver(() => InvitationInfo, {
    name: 'invitation',
    nullable: true,
    description: 'The pending invitation, for users who have not accepted yet.',
  })
  async pendingInvitation(@Root() user: User, @Ctx() ctx: RequestContext): Promise<InvitationInfo | null> {
    if (!user.invitationPending) return null;
    return ctx.loaders(await ctx.viewer()).pendingInvitationByMembershipId.load(user.id);
  }

  @FieldResolver(() => Boolean, { description: 'True when the invitation email bounced: the red "Email bounced" badge.' })
  async emailBounced(@Root() user: User, @Ctx() ctx: RequestContext): Promise<boolean> {
    if (!user.invitationPending) return false;
    const invitation = await ctx.loaders(await ctx.viewer()).pendingInvitationByMembershipId.load(user.id);
    return invitation?.deliveryStatus === DeliveryStatus.BOUNCED || invitation?.deliveryStatus === DeliveryStatus.COMPLAINED;
  }
}
