import { Arg, Ctx, Field, ID, InputType, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { UserActionPayload } from '../invitations/index.js';
import { retryFailedInvitationEmails } from './email-retry.js';

@InputType({ description: 'Pending users whose invitation email failed.' })
export class RetryInvitationEmailsInput {
  @Field(() => [ID], {
    description: 'Ids of pending users whose invitation email failed (`invitation.deliveryStatus` FAILED); at most 500.',
  })
  userIds!: string[];
}

@Resolver()
export class EmailRetryResolver {
  @Mutation(() => UserActionPayload, {
    description:
      'Sends each failed invitation email again: the same email and link (it never arrived), queued with a fresh retry window. Refused per user when the email did not fail (EMAIL_NOT_FAILED), the invitation expired (INVITATION_EXPIRED: re-invite instead), the email can no longer be rebuilt (EMAIL_NOT_RETRYABLE: re-invite instead), or the invitation gives a role the caller may not grant.',
  })
  async retryInvitationEmails(
    @Arg('input', () => RetryInvitationEmailsInput, { description: 'The pending users whose failed invitation email is sent again.' })
    input: RetryInvitationEmailsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UserActionPayload> {
    const viewer = await ctx.admin();
    const { results, retriedUserIds } = await retryFailedInvitationEmails(ctx.services.dataSource, viewer, input.userIds);
    if (retriedUserIds.length > 0) {
      ctx.services.events.publish({ accountId: viewer.accountId, type: 'email.delivery_changed', userIds: retriedUserIds, at: new Date() });
      ctx.services.outbox.nudge();
    }
    return { results };
  }
}
