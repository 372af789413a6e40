import { GraphQLBoolean, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { Role, UserStatus } from '../accounts/roles.js';
import type { RequestContext, Services } from '../core/context.js';
import { InProcessEventBus, type AccountEvent } from '../core/events.js';
import { Metrics } from '../core/metrics.js';
import type { Viewer } from '../core/viewer.js';
import { eventually } from '../../test/eventually.js';
import type { LiveEvent } from './live-access.js';
import { liveEvents, subscribeLive } from './live-hub.js';
import { attachLiveSocket } from './live-socket.js';

const SEEN = 'subscription { seen { account role credential users resync } }';
const event = (accountId: string, n: number): AccountEvent => ({ accountId, type: 'user.invited', userIds: [`u${n}`], at: new Date() });

/** A ws WebSocket as the hub uses it: what was sent, and write callbacks run when the test lets the kernel take the data. */
class FakeSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly waiting: Array<() => void> = [];
  send(data: string, callback?: () => void) {
    this.sent.push(data);
    if (callback) this.waiting.push(callback);
  }
  seen() {
    return this.sent.map(
      (text) => JSON.parse(text) as { id: string; type: string; payload: { data: { seen: { users: string[]; resync: boolean } } } },
    );
  }
}

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
    metrics: new Metrics(),
    dataSource: {
      query: async (_sql: string, [accountId, personId]: [string, string]) => [
        { id: `m-${personId}`, role: roles[`${accountId} ${personId}`], status: UserStatus.ACTIVE },
      ],
    },
    sessions: { lookup: async () => ({ viewer: {}, renewedToken: null }) },
    apiKeys: { authenticate: async () => ({ viewer: {} }) },
  } as unknown as Services;

  const open = async (
    accountId: string,
    personId: string,
    credential: { sessionToken?: string; apiKeyScopes?: string[] },
    socket?: { socket: FakeSocket; id: string },
  ) => {
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
    if (socket) attachLiveSocket(context, socket.socket, socket.id);
    const stream = (await subscribeLive({
      schema,
      document: parse(SEEN),
      contextValue: context,
    })) as AsyncIterableIterator<ExecutionResult>;
    return { stream, next: async () => (await stream.next()).value?.data?.seen, end: () => stream.return!() };
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
    // Operators see how long each event's fan-out took: one observation per event.
    expect(await services.metrics.render()).toMatch(/^roster_live_fanout_seconds_count 2$/m);
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

  it("writes each event to the subscription's socket as graphql-ws's next message; one that does not keep up gets the maxQueue latest, the first saying resync", async () => {
    const { services, open } = setUp();
    const slowSocket = new FakeSocket();
    const keepingSocket = new FakeSocket();
    const slow = await open('a', 'p-admin', { sessionToken: 'admin-session' }, { socket: slowSocket, id: 'op "1"' });
    const keeping = await open('a', 'p-colleague', { sessionToken: 'colleague-session' }, { socket: keepingSocket, id: 'op-2' });
    // graphql-ws iterates each stream (which writes to its socket itself and yields nothing until it ends).
    const iterations = [slow.stream.next(), keeping.stream.next()];

    services.events.publish(event('a', 1));
    await eventually(() => slowSocket.sent.length === 1, 'the first event written');
    expect(slowSocket.seen()).toEqual([
      {
        id: 'op "1"',
        type: 'next',
        payload: { data: { seen: { account: 'a', role: 'ADMIN', credential: 'session', users: ['u1'], resync: false } } },
      },
    ]);
    // The socket stops keeping up: the next event waits for the kernel, the ones after it queue (at most 3 kept).
    slowSocket.bufferedAmount = 1000;
    for (let i = 2; i <= 10; i++) services.events.publish(event('a', i));
    await eventually(() => keepingSocket.sent.length === 10, 'the keeping socket has every event');
    expect(slowSocket.seen().map((m) => m.payload.data.seen.users)).toEqual([['u1'], ['u2']]);
    slowSocket.bufferedAmount = 0;
    while (slowSocket.sent.length < 5) {
      await eventually(() => slowSocket.waiting.length > 0, 'a write waiting for the socket');
      slowSocket.waiting.shift()!();
    }
    expect(slowSocket.seen().map((m) => [m.payload.data.seen.users[0], m.payload.data.seen.resync])).toEqual([
      ['u1', false],
      ['u2', false],
      ['u8', true],
      ['u9', false],
      ['u10', false],
    ]);
    expect(keepingSocket.seen().every((m, i) => m.id === 'op-2' && m.payload.data.seen.users[0] === `u${i + 1}`)).toBe(true);

    // Ending the subscription (graphql-ws's return on complete or close) ends its iteration.
    await slow.end();
    await keeping.end();
    expect(await Promise.all(iterations)).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
  });
});
