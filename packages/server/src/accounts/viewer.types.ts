import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from './roles.js';
import type { AccountEntity } from './account.entity.js';

/** Who in an account must have a second factor (multi-factor authentication). */
export enum MfaRequirement {
  NONE = 'NONE',
  ADMINISTRATORS = 'ADMINISTRATORS',
  EVERYONE = 'EVERYONE',
}
registerEnumType(MfaRequirement, {
  name: 'MfaRequirement',
  description: 'Who in an MSP account must sign in with a second factor.',
  valuesConfig: {
    NONE: { description: 'Nobody is required to (people may still add one).' },
    ADMINISTRATORS: { description: 'Owners and administrators: sent to enrolment right after the password until they have one.' },
    EVERYONE: { description: 'Every member: sent to enrolment right after the password until they have one.' },
  },
});

/** What a sign-in still needs after the password. */
export enum SignInNextStep {
  NONE = 'NONE',
  SECOND_FACTOR = 'SECOND_FACTOR',
  ENROL_MFA = 'ENROL_MFA',
}
registerEnumType(SignInNextStep, {
  name: 'SignInNextStep',
  description: 'What a sign-in still needs after the password; until it is done only the MFA operations answer the session.',
  valuesConfig: {
    NONE: { description: 'Nothing: the session is usable.' },
    SECOND_FACTOR: {
      description: 'A code from the authenticator app, a recovery code or a passkey (verifySecondFactor, finishPasskeySignIn).',
    },
    ENROL_MFA: { description: 'The account requires MFA and the person has none: enrol one (startTotpEnrolment, confirmTotpEnrolment).' },
  },
});

@ObjectType({ description: 'An MSP account (tenant).' })
export class Account {
  @Field(() => ID, { description: 'Opaque id of the MSP account.' })
  id!: string;

  @Field(() => String, { description: 'Name of the MSP, shown in invitations and the dashboard.' })
  name!: string;

  @Field(() => Int, { description: 'How many days a new invitation link stays valid.' })
  invitationLifetimeDays!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'Automatic reminders: a pending invitation that was emailed is sent again (a new link, same expiry, once) this many days before it expires; null when reminders are off (the default).',
  })
  invitationReminderDays!: number | null;

  @Field(() => MfaRequirement, { description: 'Who must sign in with a second factor (NONE by default).' })
  requireMfa!: MfaRequirement;

  /** Read by the `seats` field. */
  seatLimit!: number | null;
}

@ObjectType({ description: "An MSP account's seats: active users and pending invitations (suspended and staged users take none)." })
export class AccountSeats {
  @Field(() => Int, { description: 'Seats used: active users plus pending invitations.' })
  used!: number;

  @Field(() => Int, { nullable: true, description: 'Most seats the account may use; null when unlimited.' })
  limit!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Seats left before inviting, importing, syncing or restoring users is refused (SEAT_LIMIT_REACHED); 0 when the limit is reached or below what is used; null when unlimited.',
  })
  available!: number | null;
}

/** The GraphQL answer for an account row. */
export function toAccount(account: AccountEntity): Account {
  return {
    id: account.id,
    name: account.name,
    invitationLifetimeDays: account.invitationLifetimeDays,
    invitationReminderDays: account.invitationReminderDays ?? null,
    requireMfa: (account.requireMfa as MfaRequirement | undefined) ?? MfaRequirement.NONE,
    seatLimit: account.seatLimit ?? null,
  };
}

@InputType({ description: 'Settings of the current MSP account; omitted fields stay as they are.' })
export class UpdateAccountSettingsInput {
  @Field(() => String, { nullable: true, description: 'Name of the MSP (1 to 200 characters).' })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'Days a new invitation link stays valid: 1 to 90. Existing links keep their expiry.' })
  invitationLifetimeDays?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Send automatic reminders this many days before a pending, emailed invitation expires: 1 to the invitation lifetime minus 1. An explicit null turns reminders off; omitted keeps the setting.',
  })
  invitationReminderDays?: number | null;

  @Field(() => MfaRequirement, {
    nullable: true,
    description: 'Who must sign in with a second factor. Applies from their next sign-in; omitted keeps the setting.',
  })
  requireMfa?: MfaRequirement | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Most seats (active users plus pending invitations) the account may use: a whole number from 1, or an explicit null for unlimited; omitted keeps the setting. Owners only. A limit below what is used is allowed: nobody is removed, new seats are refused until enough are freed.',
  })
  seatLimit?: number | null;
}

@ObjectType({ description: 'Result of updating account settings.' })
export class UpdateAccountSettingsPayload {
  @Field(() => Account, { description: 'The account as it is now.' })
  account!: Account;
}

@ObjectType({ description: 'A person: one email and one sign-in, possibly in several MSP accounts.' })
export class Person {
  @Field(() => ID, { description: 'Opaque id of the person.' })
  id!: string;

  @Field(() => String, { description: 'Sign-in email, normalised to lower case.' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'Name the person chose.' })
  name!: string | null;
}

@ObjectType({ description: 'An MSP account the signed-in person belongs to, with the role they hold there (the account switcher).' })
export class ViewerMembership {
  @Field(() => Account, { description: 'The MSP account.' })
  account!: Account;

  @Field(() => Role, { description: "The person's role in that account." })
  role!: Role;
}

@ObjectType({ description: 'The signed-in person and the MSP account they are working in.' })
export class ViewerInfo {
  @Field(() => Person, { description: 'The signed-in person.' })
  person!: Person;

  @Field(() => Account, { description: 'The MSP account every query and mutation is scoped to.' })
  currentAccount!: Account;

  @Field(() => Role, { description: 'The role in the current account.' })
  role!: Role;

  @Field(() => Boolean, { description: 'True for owners and administrators of the current account.' })
  isAdministrator!: boolean;

  @Field(() => [Account], { description: 'Every MSP account this person is an active member of.' })
  accounts!: Account[];

  @Field(() => [ViewerMembership], {
    description: 'Every MSP account this person is an active member of, by name, with the role held in each.',
  })
  memberships!: ViewerMembership[];
}

@InputType({ description: 'Email and password of a person.' })
export class SignInInput {
  @Field(() => String, { description: 'Email address (any letter case).' })
  email!: string;

  @Field(() => String, { description: 'Password.' })
  password!: string;
}

@ObjectType({ description: 'Result of signing in; the session cookie is set on the response.' })
export class SignInPayload {
  @Field(() => ViewerInfo, { description: 'Who is now signed in, and where.' })
  viewer!: ViewerInfo;

  @Field(() => SignInNextStep, {
    description:
      'NONE when the session is usable; otherwise the second factor or an MFA enrolment is due first, and nothing else answers until then.',
  })
  nextStep!: SignInNextStep;
}

@ObjectType({ description: 'Result of signing out.' })
export class SignOutPayload {
  @Field(() => Boolean, { description: 'True once the session is ended and the cookie cleared.' })
  signedOut!: boolean;
}

@InputType({ description: 'The MSP account to work in.' })
export class SwitchAccountInput {
  @Field(() => ID, { description: 'Id of an MSP account the signed-in person is an active member of.' })
  accountId!: string;
}

@ObjectType({ description: 'Result of switching the current MSP account.' })
export class SwitchAccountPayload {
  @Field(() => ViewerInfo, { description: 'The viewer in the newly selected account.' })
  viewer!: ViewerInfo;
}
