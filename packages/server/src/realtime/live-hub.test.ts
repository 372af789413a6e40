import { GraphQLBoolean, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { Role, UserStatus } from '../accounts/roles.js';
import type { RequestContext, Services } from '../core/context.js';
import { InProcessEventBus, type AccountEvent } from '../core/events.js';
import type { Viewer } from '../core/viewer.js';
import type { LiveEvent } from './live-access.js';
import { liveEvents, subscribeLive } from './live-hub.js';

const SEEN = 'subscription { seen { account role credential users resync } }';
const event = (accountId: string, n: number): AccountEvent => ({ accountId, type: 'user.invited', userIds: [`u${n}`], at: new Date() });

/** A schema whose payload shows everything it was executed for: the viewer's account, role and credential, and the event. */
function setUp() {
  const executions: string[] = [];
  const seen = new GraphQLObjectType({
    name: 'Seen',
    fields: {
      account: { type: GraphQLString },
      role: { type: GraphQLString },
      credential: { type: GraphQLString },
      users: { type: new GraphQLList(GraphQLString) },
      resync: { type: GraphQLBoolean },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        seen: {
          type: seen,
          subscribe: (_root, _args, context: RequestContext) => liveEvents(context, () => true, { maxQueue: 3 }),
          resolve: async (live: LiveEvent, _args, context: RequestContext) => {
            const viewer = await context.viewer();
            executions.push(`${viewer.accountId} ${viewer.role}`);
            const credential = viewer.apiKey ? `key ${viewer.apiKey.scopes.join(' ')}` : 'session';
            return { account: viewer.accountId, role: viewer.role, credential, users: live.userIds, resync: live.resync };
          },
        },
      },
    }),
  });
  // Roles live in the memberships table (LiveAccess reads them per account and person).
  const roles: Record<string, Role> = {
    'a p-admin': Role.ADMIN,
    'a p-colleague': Role.ADMIN,
    'a p-owner': Role.OWNER,
    'b p-other': Role.ADMIN,
  };
  const services = {
    events: new InProcessEventBus(),
    dataSource: {
      query: async (_sql: string, [accountId, personId]: [string, string]) => [
        { id: `m-${personId}`, role: roles[`${accountId} ${personId}`], status: UserStatus.ACTIVE },
      ],
    },
    sessions: { lookup: async () => ({ viewer: {}, renewedToken: null }) },
    apiKeys: { authenticate: async () => ({ viewer: {} }) },
  } as unknown as Services;

  const open = async (accountId: string, personId: string, credential: { sessionToken?: string; apiKeyScopes?: string[] }) => {
    let current: Viewer = {
      sessionId: credential.apiKeyScopes ? null : `session-of-${personId}`,
      personId,
      accountId,
      membershipId: `m-${personId}`,
      role: roles[`${accountId} ${personId}`]!,
      ...(credential.apiKeyScopes ? { apiKey: { id: `key-of-${personId}`, scopes: credential.apiKeyScopes } } : {}),
    };
    const context = {
      services,
      sessionToken: credential.sessionToken,
      authorization: credential.apiKeyScopes ? `Bearer key-of-${personId}` : undefined,
      onLiveAccessEnded: null,
      viewer: async () => current,
      admin: async () => current,
      useViewer(viewer: Viewer) {
        current = viewer;
      },
      resetLoaders() {},
    } as unknown as RequestContext;
    const stream = (await subscribeLive({
      schema,
      document: parse(SEEN),
      contextValue: context,
    })) as AsyncIterableIterator<ExecutionResult>;
    return { next: async () => (await stream.next()).value?.data?.seen, end: () => stream.return!() };
  };
  return { services, executions, open };
}

describe('live hub', () => {
  it('executes once per audience and gives its sockets the same payload; another role, account or an API key gets its own', async () => {
    const { services, executions, open } = setUp();
    const admin = await Promise.all([1, 2, 3].map(() => open('a', 'p-admin', { sessionToken: 'admin-session' })));
    const colleague = await open('a', 'p-colleague', { sessionToken: 'colleague-session' });
    const owner = await open('a', 'p-owner', { sessionToken: 'owner-session' });
    const key = await open('a', 'p-admin', { apiKeyScopes: ['users:read'] });
    const other = await open('b', 'p-other', { sessionToken: 'other-session' });

    services.events.publish(event('a', 1));
    services.events.publish(event('b', 2));
    const asAdmin = { account: 'a', role: 'ADMIN', credential: 'session', users: ['u1'], resync: false };
    for (const socket of [...admin, colleague]) expect(await socket.next()).toEqual(asAdmin);
    expect(await owner.next()).toEqual({ ...asAdmin, role: 'OWNER' });
    expect(await key.next()).toEqual({ ...asAdmin, credential: 'key users:read' });
    expect(await other.next()).toEqual({ account: 'b', role: 'ADMIN', credential: 'session', users: ['u2'], resync: false });
    expect(executions.sort()).toEqual(['a ADMIN', 'a ADMIN', 'a OWNER', 'b ADMIN']);
    for (const socket of [...admin, colleague, owner, key, other]) await socket.end();
  });

  it('keeps at most maxQueue events for a slow socket, tells it to resync, and stops when it goes away', async () => {
    const { services, open } = setUp();
    const slow = await open('a', 'p-admin', { sessionToken: 'admin-session' });
    const keeping = await open('a', 'p-colleague', { sessionToken: 'colleague-session' });
    for (let i = 1; i <= 10; i++) services.events.publish(event('a', i));
    // Events of an account are handed out in order: once the keeping socket has the tenth, so has the slow one.
    for (let i = 1; i <= 10; i++) expect((await keeping.next()).users).toEqual([`u${i}`]);
    expect(await slow.next()).toMatchObject({ users: ['u8'], resync: true });
    expect(await slow.next()).toMatchObject({ users: ['u9'], resync: false });
    await slow.end();
    services.events.publish(event('a', 11));
    expect(await slow.next()).toBeUndefined();
    expect((await keeping.next()).users).toEqual(['u11']);
    await keeping.end();
  });
});
