import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import { ConnectionType } from '../core/lists/connection.js';
import { Company } from '../companies/company.types.js';
import { Group } from '../groups/group.types.js';
import { Role, UserSource, UserStatus } from './roles.js';

@ObjectType({ description: "A team member of the MSP account: a person's membership, from invitation onwards.", simpleResolvers: true })
export class User {
  @Field(() => ID, { description: 'Opaque, stable id of this user in this MSP account.' })
  id!: string;

  @Field(() => String, { description: 'Email address, normalised to lower case.' })
  email!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Display name in this account: the one this account gave or learnt (invite, import, sync, SCIM, or typed when accepting this account's invitation); the person's own name only when this account has none.",
  })
  name!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Job title in this MSP account (free text, at most 120 characters), as given at invite time or by an import; null when none.',
  })
  jobTitle!: string | null;

  @Field(() => Role, { description: 'Role in this MSP account.' })
  role!: Role;

  @Field(() => UserStatus, { description: 'Invited, active or suspended.' })
  status!: UserStatus;

  @Field(() => UserSource, { description: 'How the user came in.' })
  source!: UserSource;

  @Field(() => String, {
    nullable: true,
    description: 'Id of this user in the upstream system that provisioned it (SCIM, directory sync).',
  })
  externalId!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the user last used Roster; null when never.' })
  lastActiveAt!: Date | null;

  @Field(() => GraphQLISODateTime, { description: 'When the user was added to the MSP account.' })
  createdAt!: Date;

  @Field(() => Boolean, { description: 'True for owners and administrators: the green "Administrator" badge.' })
  isAdministrator!: boolean;

  @Field(() => Boolean, { description: 'True while an invitation waits to be accepted: the amber "Invitation pending" badge.' })
  invitationPending!: boolean;

  @Field(() => Company, { nullable: true, description: 'The client company the user belongs to, if any.' })
  company!: Company | null;

  @Field(() => [Group], { description: 'Groups the user is a member of, by name.' })
  groups!: Group[];

  /** Not exposed. */
  companyId!: string | null;
}

export const UserConnection = ConnectionType(User, 'User');

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: 'Ascending or descending order.',
  valuesConfig: {
    ASC: { description: 'Smallest first (A to Z, oldest first).' },
    DESC: { description: 'Largest first (Z to A, newest first).' },
  },
});

export enum UserOrderField {
  EMAIL = 'EMAIL',
  NAME = 'NAME',
  ROLE = 'ROLE',
  STATUS = 'STATUS',
  LAST_ACTIVE_AT = 'LAST_ACTIVE_AT',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(UserOrderField, {
  name: 'UserOrderField',
  description: 'What the users list can be sorted by.',
  valuesConfig: {
    EMAIL: { description: 'Email address, alphabetically.' },
    NAME: { description: 'Display name, alphabetically (users without a name first).' },
    ROLE: { description: 'Owner, then administrator, then member.' },
    STATUS: { description: 'Invited, then active, then suspended.' },
    LAST_ACTIVE_AT: { description: 'Last activity (never-active users first).' },
    CREATED_AT: { description: 'When the user was added.' },
  },
});

@InputType({ description: 'Sort order of the users list.' })
export class UserOrder {
  @Field(() => UserOrderField, { description: 'The field to sort by.' })
  field!: UserOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'The direction.' })
  direction!: SortDirection;
}

@InputType({ description: 'Narrows the users list. All given conditions must hold.' })
export class UserFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Matches users whose email, name or email domain starts with this text, case-insensitively (at most 200 characters): "ada", "ada@", "contoso.com" or "@contoso" (everyone at a client). A word inside the name does not match: search "ada", not "lovelace". ' +
      'A search has its own order, best match first, and `orderBy` does not apply to it: users whose email starts with the text (by email), then those whose name does (by name), then those whose email domain does (by domain, then email). ' +
      'Its `totalCount` counts matches up to 1,000: 1,001 means "more than 1,000" (an exact figure would read every match).',
  })
  search?: string | null;

  @Field(() => [UserStatus], { nullable: true, description: 'Only users in one of these statuses.' })
  statuses?: UserStatus[] | null;

  @Field(() => [Role], { nullable: true, description: 'Only users with one of these roles.' })
  roles?: Role[] | null;

  @Field(() => ID, { nullable: true, description: 'Only users of this company.' })
  companyId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only members of this group.' })
  groupId?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True: only pending users whose invitation email failed (they can be sent it again with `retryInvitationEmails`).',
  })
  emailFailed?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True: only pending users whose invitation link has expired (they need a re-invite to join).',
  })
  invitationExpired?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'True: only pending users who were never emailed their invitation (brought in without emails, or invited to share the link by hand).',
  })
  notEmailed?: boolean | null;
}
