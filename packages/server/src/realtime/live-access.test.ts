import { describe, expect, it } from 'vitest';
import { Role, UserStatus } from '../accounts/roles.js';
import type { RequestContext, Services } from '../core/context.js';
import type { Viewer } from '../core/viewer.js';
import { InProcessEventBus, type AccountEvent } from '../core/events.js';
import { ACCESS_ENDED_CLOSE_CODE, LiveAccess, SESSION_ENDED_CLOSE_CODE } from './live-access.js';

const subscriber: Viewer = { sessionId: 's1', personId: 'p1', accountId: 'b', membershipId: 'm1', role: Role.ADMIN };
const event = (accountId: string, type: AccountEvent['type'] = 'user.invited'): AccountEvent => ({
  accountId,
  type,
  userIds: ['x'],
  at: new Date(),
});

function setUp() {
  const counts = { memberships: 0, sessions: 0 };
  const state = { membership: { id: 'm1', role: Role.ADMIN, status: UserStatus.ACTIVE }, sessionValid: true, now: 0 };
  const services = {
    dataSource: { query: async () => (counts.memberships++, [state.membership]) },
    sessions: {
      lookup: async () => (
        counts.sessions++,
        state.sessionValid ? { viewer: { ...subscriber, accountId: 'a' }, renewedToken: null } : { viewer: null, reason: 'SESSION_INVALID' }
      ),
    },
    apiKeys: { authenticate: async () => ({ viewer: null, reason: 'API_KEY_UNKNOWN' }) },
  } as unknown as Pick<Services, 'dataSource' | 'sessions' | 'apiKeys'>;
  const bus = new InProcessEventBus();
  const access = new LiveAccess(services, bus, () => state.now);
  const socket = { sessionToken: 'token-1', authorization: undefined } as unknown as RequestContext;
  return { counts, state, bus, access, socket };
}

describe('LiveAccess', () => {
  it('costs one session lookup per event and one membership read per account until a user event changes it', async () => {
    const { counts, bus, access, socket } = setUp();
    const first = event('b', 'import.progress');
    for (let i = 0; i < 3; i++)
      expect((await access.check(socket, subscriber, first)).viewer).toMatchObject({ accountId: 'b', role: Role.ADMIN });
    expect(counts).toEqual({ memberships: 1, sessions: 1 });
    await access.check(socket, subscriber, event('b', 'import.progress'));
    expect(counts).toEqual({ memberships: 1, sessions: 2 });
    bus.publish(event('other', 'user.changed'));
    await access.check(socket, subscriber, event('b', 'import.progress'));
    expect(counts.memberships).toBe(1);
    bus.publish(event('b', 'user.changed'));
    await access.check(socket, subscriber, event('b', 'import.progress'));
    expect(counts.memberships).toBe(2);
  });

  it("judges the subscription's own account: suspended or demoted there ends access (4403), an ended session too (4401)", async () => {
    const { state, bus, access, socket } = setUp();
    state.membership = { ...state.membership, role: Role.MEMBER };
    bus.publish(event('b', 'user.changed'));
    expect(await access.check(socket, subscriber, event('b'))).toMatchObject({ viewer: null, code: ACCESS_ENDED_CLOSE_CODE });
    state.membership = { ...state.membership, role: Role.OWNER, status: UserStatus.SUSPENDED };
    bus.publish(event('b', 'user.suspended'));
    expect(await access.check(socket, subscriber, event('b'))).toMatchObject({ viewer: null, code: ACCESS_ENDED_CLOSE_CODE });
    state.membership = { ...state.membership, status: UserStatus.ACTIVE };
    bus.publish(event('b', 'user.restored'));
    expect((await access.check(socket, subscriber, event('b'))).viewer).toMatchObject({ accountId: 'b', role: Role.OWNER });
    state.sessionValid = false;
    expect(await access.check(socket, subscriber, event('b'))).toMatchObject({
      viewer: null,
      code: SESSION_ENDED_CLOSE_CODE,
      reason: 'Signed out',
    });
  });

  it('reads a membership again after 30 s even without an event (one lost with another instance)', async () => {
    const { counts, state, access, socket } = setUp();
    await access.check(socket, subscriber, event('b'));
    state.now += 29_000;
    await access.check(socket, subscriber, event('b'));
    expect(counts.memberships).toBe(1);
    state.now += 2_000;
    await access.check(socket, subscriber, event('b'));
    expect(counts.memberships).toBe(2);
  });
});
