import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  aConnection,
  aUser,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type FakeApi,
  type MountedApp,
} from '../../testing/testing';
import { REFETCH_DEBOUNCE_MS } from './use-live-user-events';

const ivan = () =>
  aUser({ id: 'u-ivan', email: 'ivan@contoso.example', name: 'Ivan Invitee', status: 'INVITED', invitationPending: true, invitation: {} });
const ada = () => aUser({ id: 'u-ada', email: 'ada@contoso.example', name: 'Ada Admin', role: 'ADMIN' });

type AUser = ReturnType<typeof aUser>;

/** The API with a users list the test can change, as a colleague would on the server. */
function liveApi(options: { role?: string } = {}) {
  const state = { users: [ada(), ivan()] as AUser[], sessionEnded: null as null | 'SESSION_EXPIRED' | 'NO_SESSION' };
  const api = fakeApi({
    Me: () =>
      state.sessionEnded
        ? graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: state.sessionEnded })
        : { data: { me: aViewer({ role: options.role ?? 'OWNER' }) } },
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', state.users) } }),
  });
  return { api, state };
}

function userEvent(type: string, users: AUser[], extra: { removedUserIds?: string[]; resync?: boolean } = {}) {
  return {
    data: {
      userEvents: {
        __typename: 'UserEvent',
        type,
        users,
        removedUserIds: extra.removedUserIds ?? [],
        resync: extra.resync ?? false,
        at: new Date().toISOString(),
      },
    },
  };
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const rowEmails = () => app!.wrapper.findAll('[data-testid="user-row"]').map((r) => r.attributes('data-email'));
const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const indicator = () => app!.wrapper.get('[data-testid="live-status"]');

async function openUsers(api: FakeApi, path = '/users') {
  app = await mountApp(api, path);
  await waitFor(() => expect(rowEmails()).toContain('ivan@contoso.example'));
  await waitFor(() => expect(api.stream('UserEvents').observed).toBe(true));
}

/** Runs `steps` on the page's own timers (debounces), advanced by the test instead of waited for. */
async function withPageClock(steps: () => Promise<void>): Promise<void> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    await steps();
  } finally {
    vi.useRealTimers();
  }
}

describe('live user events on the Users page', () => {
  it('removes the pending badge when the invitee accepts, without asking for the list again', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    expect(row('ivan@contoso.example').find('[data-testid="badge-pending"]').exists()).toBe(true);
    const usersCalls = api.calls('UsersPage').length;

    const accepted = aUser({ id: 'u-ivan', email: 'ivan@contoso.example', name: 'Ivan Invitee', status: 'ACTIVE' });
    state.users = [ada(), accepted];
    await withPageClock(async () => {
      api.stream('UserEvents').next(userEvent('ACCEPTED', [accepted]));
      await vi.advanceTimersByTimeAsync(0);
      expect(row('ivan@contoso.example').find('[data-testid="badge-pending"]').exists()).toBe(false);
      expect(row('ivan@contoso.example').text()).toContain('Active');
      // Past the refetch debounce: a refetch, had the event asked for one, would have been sent by now.
      await vi.advanceTimersByTimeAsync(REFETCH_DEBOUNCE_MS * 2);
      expect(api.calls('UsersPage')).toHaveLength(usersCalls);
    });
  });

  it('shows users a colleague invites, with one refetch for a burst of events', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    const usersCalls = api.calls('UsersPage').length;

    const newcomers = ['bea', 'cal', 'dan'].map((name) =>
      aUser({ id: `u-${name}`, email: `${name}@contoso.example`, status: 'INVITED', invitationPending: true, invitation: {} }),
    );
    await withPageClock(async () => {
      for (const user of newcomers) {
        state.users = [...state.users, user];
        api.stream('UserEvents').next(userEvent('INVITED', [user]));
        await vi.advanceTimersByTimeAsync(REFETCH_DEBOUNCE_MS / 3);
      }
      // Debounced: nothing yet while the burst goes on.
      expect(api.calls('UsersPage')).toHaveLength(usersCalls);
      await vi.advanceTimersByTimeAsync(REFETCH_DEBOUNCE_MS * 3);
      expect(api.calls('UsersPage')).toHaveLength(usersCalls + 1);
    });
    await waitFor(() => expect(rowEmails()).toContain('dan@contoso.example'));
    expect(rowEmails()).toEqual(expect.arrayContaining(['bea@contoso.example', 'cal@contoso.example']));
    expect(row('bea@contoso.example').find('[data-testid="badge-pending"]').exists()).toBe(true);
    expect(api.calls('UsersPage')).toHaveLength(usersCalls + 1);
    expect(app!.wrapper.get('[data-testid="users-summary"]').text()).toContain('of 5 users');
  });

  it('removes an un-invited user at once and reads the list again', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    const usersCalls = api.calls('UsersPage').length;

    state.users = [ada()];
    api.stream('UserEvents').next(userEvent('UNINVITED', [], { removedUserIds: ['u-ivan'] }));
    await waitFor(() => expect(rowEmails()).toEqual(['ada@contoso.example']));
    expect(app!.wrapper.get('[data-testid="users-summary"]').text()).toContain('of 1 user');
    expect((api.client.cache.extract() as Record<string, unknown>)['User:u-ivan']).toBeUndefined();
    await waitFor(() => expect(api.calls('UsersPage')).toHaveLength(usersCalls + 1));
  });

  it('refetches the lists when the server says events were dropped (resync)', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    const usersCalls = api.calls('UsersPage').length;
    const eve = aUser({ id: 'u-eve', email: 'eve@contoso.example' });
    state.users = [...state.users, eve];
    api.stream('UserEvents').next(userEvent('CHANGED', [], { resync: true }));
    await waitFor(() => expect(rowEmails()).toContain('eve@contoso.example'));
    expect(api.calls('UsersPage')).toHaveLength(usersCalls + 1);
  });

  it('says when live updates are paused, and catches up once the connection is back', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    expect(indicator().attributes('data-state')).toBe('off');
    app!.live.connecting(false);
    app!.live.connected();
    await settle();
    expect(indicator().attributes('data-state')).toBe('connected');
    expect(indicator().attributes('role')).toBe('status');
    expect(indicator().text()).toBe('Live');
    const usersCalls = api.calls('UsersPage').length;

    // The server restarts: the socket drops, graphql-ws retries with backoff.
    app!.live.closed({ code: 1006, reason: '' });
    await settle();
    expect(indicator().attributes('data-state')).toBe('reconnecting');
    expect(indicator().text()).toBe('Live updates paused — reconnecting…');
    app!.live.connecting(true);
    app!.live.closed({ code: 1006, reason: '' });
    await settle();
    expect(indicator().attributes('data-state')).toBe('reconnecting');
    expect(api.calls('UsersPage')).toHaveLength(usersCalls);

    // Meanwhile a colleague invited someone; the event was lost with the socket.
    const fay = aUser({ id: 'u-fay', email: 'fay@contoso.example' });
    state.users = [...state.users, fay];
    app!.live.connecting(true);
    app!.live.connected();
    await waitFor(() => expect(rowEmails()).toContain('fay@contoso.example'));
    expect(indicator().attributes('data-state')).toBe('connected');
    expect(api.calls('UsersPage')).toHaveLength(usersCalls + 1);
  });

  it('sends the app to sign in with the expiry notice when the server closes the socket with 4401', async () => {
    const { api, state } = liveApi();
    await openUsers(api);
    app!.live.connected();
    state.sessionEnded = 'SESSION_EXPIRED';
    app!.live.closed({ code: 4401, reason: 'Session expired' });
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/sign-in?reason=expired'));
    await waitFor(() => expect(app!.wrapper.text()).toContain('Your session has expired. Please sign in again.'));
    expect(api.stream('UserEvents').observed).toBe(false);
  });

  it('says "signed out" when the session was signed out elsewhere, and remembers the page', async () => {
    const { api, state } = liveApi();
    await openUsers(api, '/users?role=admin');
    app!.live.connected();
    state.sessionEnded = 'NO_SESSION';
    app!.live.closed({ code: 4401, reason: 'Signed out' });
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/sign-in'));
    expect(app!.router.currentRoute.value.query).toEqual({ redirect: '/users?role=admin', reason: 'signed-out' });
    await waitFor(() => expect(app!.wrapper.text()).toContain('You have been signed out.'));
  });

  it('does not subscribe for a member, so there is no socket to keep reconnecting', async () => {
    const { api } = liveApi({ role: 'MEMBER' });
    app = await mountApp(api, '/users');
    await settle();
    expect(api.calls('UserEvents')).toHaveLength(0);
    expect(indicator().attributes('data-state')).toBe('off');
  });

  it('stops the subscription when the admin leaves the dashboard', async () => {
    const { api } = liveApi();
    await openUsers(api);
    app!.wrapper.unmount();
    app = undefined;
    expect(api.stream('UserEvents').observed).toBe(false);
  });
});
