import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aSeatsViewer, aUser, aViewer, fakeApi, mountApp, waitFor, type MountedApp } from '../../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

function api(seats: Parameters<typeof aSeatsViewer>[0] | null) {
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', [aUser({ email: 'ada@contoso.example' })]) } }),
    UsersSeats: () => ({
      data: {
        me: seats
          ? aSeatsViewer(seats)
          : { __typename: 'ViewerInfo', currentAccount: { __typename: 'Account', id: 'account-1', seats: null } },
      },
    }),
  });
}

const summary = () => app!.wrapper.find('[data-testid="seats-summary"]');

describe('Users page seats', () => {
  it('shows seats used out of the limit', async () => {
    app = await mountApp(api({ used: 12, limit: 20 }), '/users');
    await waitFor(() => expect(summary().exists()).toBe(true));
    expect(summary().text()).toBe('Seats: 12 / 20');
    expect(summary().classes()).not.toContain('seats-summary--full');
  });

  it('says the limit is reached when no seat is left', async () => {
    app = await mountApp(api({ used: 21, limit: 20 }), '/users');
    await waitFor(() => expect(summary().exists()).toBe(true));
    expect(summary().text()).toMatch(/^Seats: 21 \/ 20 · limit reached/);
    expect(summary().classes()).toContain('seats-summary--full');
  });

  it('shows the seats used when the account is unlimited, and nothing when the API shares none', async () => {
    app = await mountApp(api({ used: 1234, limit: null }), '/users');
    await waitFor(() => expect(summary().exists()).toBe(true));
    expect(summary().text()).toBe('1,234 seats used');
    app.wrapper.unmount();
    app = await mountApp(api(null), '/users');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="user-row"]').exists()).toBe(true));
    expect(summary().exists()).toBe(false);
  });
});
