import { Ctx, Field, ID, ObjectType, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import { User } from '../accounts/user.types.js';
import type { RequestContext } from '../core/context.js';
import { LIVE_EVENT_USER_LIMIT, type AccountEvent } from '../core/events.js';
import type { LiveEvent } from './live-access.js';
import { liveEvents } from './live-hub.js';

/**
 * The rows of an event, read once per event and per kind of viewer (account and role), whatever the number
 * of open dashboards: never shared between viewers who may see different things.
 */
const usersByEvent = new WeakMap<AccountEvent, Map<string, Promise<User[]>>>();

export enum UserEventType {
  INVITED = 'INVITED',
  REINVITED = 'REINVITED',
  UNINVITED = 'UNINVITED',
  ACCEPTED = 'ACCEPTED',
  INVITATION_EXPIRED = 'INVITATION_EXPIRED',
  DELIVERY_CHANGED = 'DELIVERY_CHANGED',
  CHANGED = 'CHANGED',
  SUSPENDED = 'SUSPENDED',
  RESTORED = 'RESTORED',
}
registerEnumType(UserEventType, {
  name: 'UserEventType',
  description: 'What happened to the users of a UserEvent.',
  valuesConfig: {
    INVITED: { description: 'New users were invited (by an admin, an import or an integration).' },
    REINVITED: { description: 'Pending users got a new invitation link; the old one no longer works.' },
    UNINVITED: { description: 'Invitations were withdrawn; the users left the account (see removedUserIds).' },
    ACCEPTED: { description: 'Users accepted their invitation and are now active.' },
    INVITATION_EXPIRED: { description: 'Pending invitations reached their expiry date.' },
    DELIVERY_CHANGED: { description: 'An invitation email was sent, failed, bounced or was marked as spam.' },
    CHANGED: { description: "Users' details changed (role, company, groups, name or email)." },
    SUSPENDED: { description: 'Users were suspended (by an admin or deprovisioned upstream) and can no longer sign in.' },
    RESTORED: { description: 'Suspended users were restored.' },
  },
});

const TYPE_BY_EVENT: Record<string, UserEventType> = {
  'user.invited': UserEventType.INVITED,
  'user.reinvited': UserEventType.REINVITED,
  'user.uninvited': UserEventType.UNINVITED,
  'user.accepted': UserEventType.ACCEPTED,
  'user.invitation_expired': UserEventType.INVITATION_EXPIRED,
  'email.delivery_changed': UserEventType.DELIVERY_CHANGED,
  'user.changed': UserEventType.CHANGED,
  'user.suspended': UserEventType.SUSPENDED,
  'user.restored': UserEventType.RESTORED,
};

@ObjectType({ description: 'A change to users of the current MSP account, pushed live to every open dashboard.' })
export class UserEvent {
  @Field(() => UserEventType, { description: 'What happened.' })
  type!: UserEventType;

  @Field(() => [User], { description: 'The users concerned, as they are now (a client cache updates from these).' })
  users!: User[];

  @Field(() => [ID], { description: 'Users that no longer exist in the account (un-invited).' })
  removedUserIds!: string[];

  @Field(() => Boolean, {
    description: `True when this client should refetch its lists: events were dropped because it fell behind, or a change touched more than ${LIVE_EVENT_USER_LIMIT.toLocaleString('en')} users (users then lists none of them).`,
  })
  resync!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'When it happened.' })
  at!: Date;
}

@Resolver()
export class UserEventsResolver {
  @Subscription(() => UserEvent, {
    description:
      "Every change to the current account's users (invited, accepted, re-invited, un-invited, bounced...). Administrators only; ends when the session does.",
    subscribe: ({ context }: SubscribeResolverData<unknown, Record<string, never>, RequestContext>) =>
      liveEvents(context, (event) => event.type in TYPE_BY_EVENT),
  })
  async userEvents(@Root() event: LiveEvent, @Ctx() ctx: RequestContext): Promise<UserEvent> {
    const { viewer } = event;
    let byViewer = usersByEvent.get(event.source);
    if (!byViewer) usersByEvent.set(event.source, (byViewer = new Map()));
    const key = `${viewer.accountId} ${viewer.role}`;
    let pending = byViewer.get(key);
    if (!pending) byViewer.set(key, (pending = ctx.services.users.findManyById(viewer.accountId, event.userIds)));
    const users = await pending;
    const found = new Set(users.map((u) => u.id));
    return {
      type: TYPE_BY_EVENT[event.type]!,
      users,
      removedUserIds: event.userIds.filter((id) => !found.has(id)),
      resync: event.resync,
      at: event.at,
    };
  }
}
