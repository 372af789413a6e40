import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/lists/connection.js';

@ObjectType({ description: 'A signed-in browser of the person: where and when it was used. Never its cookie.', simpleResolvers: true })
export class SignedInSession {
  @Field(() => ID, { description: 'Id of the session (pass it to signOutSession).' })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Browser and system read from its User-Agent, e.g. "Chrome on Windows"; null when the browser sent none.',
  })
  device!: string | null;

  @Field(() => String, { nullable: true, description: 'The User-Agent header as sent at sign-in (at most 512 characters).' })
  userAgent!: string | null;

  @Field(() => String, { nullable: true, description: 'The IP address it signed in from; null when unknown.' })
  ip!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it signed in.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When it was last used, to the minute.' })
  lastSeenAt!: Date;

  @Field(() => Boolean, { description: 'True for the session making this request ("This device").' })
  current!: boolean;

  @Field(() => Boolean, {
    description: 'True while the password was given but the second factor not yet: it can do nothing until then.',
  })
  secondFactorPending!: boolean;
}

export const SignedInSessionConnection = ConnectionType(SignedInSession, 'SignedInSession', 'signed-in sessions');

@InputType({ description: 'The session to sign out.' })
export class SignOutSessionInput {
  @Field(() => ID, { description: 'Id of one of your own sessions (from mySessions).' })
  id!: string;
}

@ObjectType({ description: 'What signOutSession did.' })
export class SignOutSessionPayload {
  @Field(() => ID, { description: 'The session, now ended: its cookie no longer works anywhere.' })
  sessionId!: string;

  @Field(() => Boolean, { description: 'True when it was the current session (its cookie was cleared too).' })
  wasCurrent!: boolean;
}

@ObjectType({ description: 'What signOutEverywhere did.' })
export class SignOutEverywherePayload {
  @Field(() => Int, { description: 'How many other sessions were ended; the current one stays signed in.' })
  sessionsEnded!: number;
}

@InputType({ description: 'Your current password and the new one.' })
export class ChangePasswordInput {
  @Field(() => String, { description: 'The password you sign in with now.' })
  currentPassword!: string;

  @Field(() => String, { description: 'The new password: 10 to 1024 characters.' })
  newPassword!: string;
}

@ObjectType({ description: 'What changePassword did.' })
export class ChangePasswordPayload {
  @Field(() => Int, { description: 'How many of your other sessions were ended; this one stays signed in.' })
  sessionsEnded!: number;
}
