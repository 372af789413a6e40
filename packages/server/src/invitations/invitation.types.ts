import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import { Role } from '../core/viewer.js';
import { User } from '../accounts/user.types.js';
import { ViewerInfo } from '../accounts/viewer.types.js';
import { ConnectionType } from '../core/lists/connection.js';
import { DeliveryStatus } from './invitation.entity.js';
import { InvitationLinkState, InviteVerdict } from './invitation-model.js';

registerEnumType(InviteVerdict, {
  name: 'InviteVerdict',
  description: 'What happened to one address of an invite request.',
  valuesConfig: {
    INVITED: { description: 'A new invitation was created (and its email queued, if asked).' },
    ALREADY_MEMBER: { description: 'The address already belongs to an active or suspended user of this account.' },
    ALREADY_INVITED: { description: 'The address already has a pending invitation; re-invite them instead.' },
    INVALID: { description: 'Not a valid email address; `reason` says why.' },
    DUPLICATE: { description: 'The address appears earlier in the same request.' },
    SEAT_LIMIT_REACHED: {
      description: "Not invited: the account's seat limit was reached by the addresses before it; `reason` says how many seats are left.",
    },
  },
});

registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  description: 'Where the invitation email stands.',
  valuesConfig: {
    NOT_SENT: { description: 'No email was asked for (the admin shares the link another way).' },
    QUEUED: { description: 'Waiting in the outbox.' },
    SENT: { description: 'Handed to the email provider.' },
    DELIVERED: { description: "Accepted by the recipient's mail server." },
    BOUNCED: { description: 'The address bounced: the red "Email bounced" badge.' },
    COMPLAINED: { description: 'The recipient marked the email as spam.' },
    FAILED: { description: 'Could not be sent; `deliveryError` says why.' },
  },
});

registerEnumType(InvitationLinkState, {
  name: 'InvitationLinkState',
  description: 'Whether an invitation link can still be accepted, and if not, why.',
  valuesConfig: {
    VALID: { description: 'It can be accepted.' },
    EXPIRED: { description: 'Its lifetime passed; an admin can re-invite.' },
    REVOKED: { description: 'An admin withdrew it.' },
    REPLACED: { description: 'A re-invite replaced it with a newer link.' },
    ACCEPTED: { description: 'It was already used.' },
    NOT_FOUND: { description: 'No invitation has this token.' },
  },
});

@ObjectType({ description: "The current invitation of a user who has not accepted yet, with its email's delivery." })
export class InvitationInfo {
  @Field(() => ID, { description: 'Opaque id of the invitation.' })
  id!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the link stops working.' })
  expiresAt!: Date;

  @Field(() => Boolean, { description: 'True once `expiresAt` has passed (re-invite to restart it).' })
  expired!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'When this invitation was created.' })
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'Name or email of the admin who invited.' })
  invitedBy!: string | null;

  @Field(() => DeliveryStatus, { description: 'Where the invitation email stands.' })
  deliveryStatus!: DeliveryStatus;

  @Field(() => String, { nullable: true, description: 'Why the email failed or bounced, when it did.' })
  deliveryError!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the last invitation email to this user was sent.' })
  lastSentAt!: Date | null;

  @Field(() => Int, { description: 'How many invitation emails this user has been sent, re-invites included.' })
  emailsSent!: number;

  @Field(() => Role, { description: 'The role the user gets on acceptance.' })
  role!: Role;
}

@InputType({ description: 'Invite one or many people by email.' })
export class InviteUsersInput {
  @Field(() => String, {
    description:
      'One address or a pasted list: commas, semicolons, spaces or new lines between them; "Name <email>" keeps the name. At most 1,000.',
  })
  addresses!: string;

  @Field(() => Role, {
    defaultValue: Role.MEMBER,
    description: 'Role given on acceptance: owners may give any role, administrators ADMIN or MEMBER.',
  })
  role!: Role;

  @Field(() => ID, { nullable: true, description: 'Company the users join on acceptance.' })
  companyId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Groups the users join on acceptance.' })
  groupIds?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Job title given to every invited address (trimmed, at most 120 characters; empty for none).',
  })
  jobTitle?: string | null;

  @Field(() => Boolean, { defaultValue: true, description: 'Send the invitation email; false to share the link yourself.' })
  sendEmail!: boolean;
}

@ObjectType({ description: 'One entry of a pasted address list as inviteUsers will read it, before anything is looked up.' })
export class ReadAddress {
  @Field(() => String, { description: 'The text as typed (trimmed).' })
  input!: string;

  @Field(() => String, { nullable: true, description: 'The address, lower-cased; null when the entry is not one.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'The name given with it (`Name <address>`).' })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'Why the entry is not an address, with a suggestion where there is one.' })
  invalidReason!: string | null;
}

@ObjectType({ description: 'The verdict for one address of an invite request.' })
export class InviteResult {
  @Field(() => String, { description: 'The entry as given.' })
  input!: string;

  @Field(() => String, { nullable: true, description: 'The normalised email, when valid.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'The name given with the address, if any.' })
  name!: string | null;

  @Field(() => InviteVerdict, { description: 'What happened.' })
  verdict!: InviteVerdict;

  @Field(() => String, { nullable: true, description: 'Why, in words, for every verdict but INVITED.' })
  reason!: string | null;

  @Field(() => User, { nullable: true, description: 'The user this address is (new or existing).' })
  user!: User | null;

  @Field(() => String, { nullable: true, description: 'The accept link of a new invitation, to copy and share.' })
  inviteLink!: string | null;

  userId!: string | null;
}

@ObjectType({ description: 'Per-address results of inviteUsers.' })
export class InviteUsersPayload {
  @Field(() => [InviteResult], { description: 'One result per entry, in the order given.' })
  results!: InviteResult[];

  @Field(() => Int, { description: 'How many new invitations were created.' })
  invitedCount!: number;
}

@InputType({ description: 'A selection of users.' })
export class ReinviteUsersInput {
  @Field(() => [ID], { description: 'Ids of pending users; at most 500.' })
  userIds!: string[];

  @Field(() => Boolean, { defaultValue: true, description: 'Send the new invitation email.' })
  sendEmail!: boolean;
}

@InputType({ description: 'A selection of users.' })
export class UninviteUsersInput {
  @Field(() => [ID], { description: 'Ids of pending users; at most 500.' })
  userIds!: string[];
}

@ObjectType({ description: 'What an action did to one selected user.' })
export class UserActionResult {
  @Field(() => ID, { description: 'The user id as given.' })
  userId!: string;

  @Field(() => String, { nullable: true, description: "The user's email, when found." })
  email!: string | null;

  @Field(() => Boolean, { description: 'True when the action was done.' })
  ok!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Error code when not done (NOT_FOUND, NOT_PENDING, REINVITE_THROTTLED, OWNER_REQUIRED when the user or their invitation holds a role above yours).',
  })
  code!: string | null;

  @Field(() => String, { description: 'What happened, in words.' })
  message!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The new accept link, after a re-invite; never for an invitation above your role (that re-invite is refused).',
  })
  inviteLink!: string | null;
}

@ObjectType({ description: 'Per-user results of a bulk action.' })
export class UserActionPayload {
  @Field(() => [UserActionResult], { description: 'One result per selected user.' })
  results!: UserActionResult[];
}

@ObjectType({ description: 'What the accept page shows about an invitation link, before anything is consumed.' })
export class InvitationPreviewType {
  @Field(() => InvitationLinkState, { description: 'Whether it can be accepted.' })
  state!: InvitationLinkState;

  @Field(() => String, { nullable: true, description: 'Name of the inviting MSP.' })
  accountName!: string | null;

  @Field(() => String, { nullable: true, description: 'Who sent the invitation.' })
  inviterName!: string | null;

  @Field(() => String, { nullable: true, description: 'The invited email.' })
  email!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The name the inviting account already has for the invitee (to prefill the form); null for a link that cannot be used.',
  })
  knownName!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the link stops working.' })
  expiresAt!: Date | null;

  @Field(() => Boolean, { description: 'True when the invitee already has a Roster sign-in.' })
  hasAccount!: boolean;
}

@InputType({ description: 'Accept an invitation.' })
export class AcceptInvitationInput {
  @Field(() => String, { description: 'The token from the invitation link.' })
  token!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Your name as this MSP account will show it (people choosing a password only; at most 200 characters).',
  })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'A new password (new people, at least 10 characters), or your existing password.' })
  password?: string | null;
}

@ObjectType({ description: 'Result of accepting: the invitee is now signed in to the MSP account.' })
export class AcceptInvitationPayload {
  @Field(() => ViewerInfo, { description: 'The newly signed-in person, in the MSP account they joined.' })
  viewer!: ViewerInfo;
}

@ObjectType({ description: 'An email caught by the dev mailbox (embedded default, no RESEND_API_KEY).' })
export class DevMailboxEmail {
  @Field(() => ID, { description: 'Opaque id.' })
  id!: string;

  @Field(() => String, { description: 'Recipient.' })
  to!: string;

  @Field(() => String, { description: 'Subject line.' })
  subject!: string;

  @Field(() => String, { nullable: true, description: 'The rendered HTML body; null for an invitation above your role.' })
  html!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The plain-text body; for an invitation above your role, only a note that it is hidden.',
  })
  text!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The link the email carries (the accept link); null for an invitation above your role.',
  })
  link!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it was queued.' })
  createdAt!: Date;
}

export const DevMailboxConnection = ConnectionType(DevMailboxEmail, 'DevMailboxEmail');
