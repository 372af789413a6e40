import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const lists = {
  UsersPage: () => ({ data: { users: aConnection('User', []) } }),
  Companies: () => ({ data: { companies: aConnection('Company', [{ __typename: 'Company', id: 'c1', name: 'Contoso', userCount: 4 }]) } }),
  Groups: () => ({ data: { groups: aConnection('Group', []) } }),
};

describe('routes and the session guard', () => {
  it('sends a visitor without a session to sign in, remembering where they were going', async () => {
    const api = fakeApi({ Me: () => graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' }), ...lists });
    app = await mountApp(api, '/companies?x=1');
    expect(app.router.currentRoute.value.path).toBe('/sign-in');
    expect(app.router.currentRoute.value.query).toEqual({ redirect: '/companies?x=1' });
    expect(app.wrapper.text()).not.toContain('Your session has expired');
  });

  it('says the session expired when that is why the server refused', async () => {
    const api = fakeApi({ Me: () => graphQLError('UNAUTHENTICATED', 'Expired.', { reason: 'SESSION_EXPIRED' }), ...lists });
    app = await mountApp(api, '/groups');
    expect(app.router.currentRoute.value.query).toEqual({ redirect: '/groups', reason: 'expired' });
    expect(app.wrapper.text()).toContain('Your session has expired. Please sign in again.');
  });

  it('asks the server who is signed in only once while navigating', async () => {
    const api = fakeApi({ Me: () => ({ data: { me: aViewer() } }), ...lists });
    app = await mountApp(api, '/');
    expect(app.router.currentRoute.value.path).toBe('/users');
    await app.router.push('/companies');
    await app.router.push('/settings');
    await settle();
    expect(api.calls('Me')).toHaveLength(1);
  });

  it('shows the companies from the API in a table', async () => {
    app = await mountApp(fakeApi({ Me: () => ({ data: { me: aViewer() } }), ...lists }), '/companies');
    const row = app.wrapper.get('[data-testid="company-row"]');
    expect(row.text()).toContain('Contoso');
    expect(row.text()).toContain('4');
    expect(app.wrapper.text()).toContain('Showing 1–1 of 1 company');
  });

  it('says honestly that no integrations are configured', async () => {
    const IntegrationsPage = () => ({
      data: {
        integrationTypes: [],
        integrations: {
          __typename: 'IntegrationConnection',
          totalCount: 0,
          pageInfo: { __typename: 'PageInfo', hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
          edges: [],
        },
      },
    });
    app = await mountApp(fakeApi({ Me: () => ({ data: { me: aViewer() } }), ...lists, IntegrationsPage }), '/integrations');
    expect(app.wrapper.text()).toContain('No integrations configured yet');
  });

  it('shows "Page not found" for an unknown address, inside the dashboard', async () => {
    app = await mountApp(fakeApi({ Me: () => ({ data: { me: aViewer() } }), ...lists }), '/no/such/page');
    expect(app.wrapper.text()).toContain('Page not found');
    expect(app.wrapper.text()).toContain('Sign out');
  });

  it('goes to sign in with the expiry notice when a later request finds the session expired', async () => {
    let expired = false;
    const api = fakeApi({
      Me: () => (expired ? graphQLError('UNAUTHENTICATED', 'Expired.', { reason: 'SESSION_EXPIRED' }) : { data: { me: aViewer() } }),
      ...lists,
      UsersPage: () => {
        expired = true;
        return graphQLError('UNAUTHENTICATED', 'Expired.', { reason: 'SESSION_EXPIRED' });
      },
    });
    app = await mountApp(api, '/users?role=admin');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/sign-in'));
    expect(app.router.currentRoute.value.query).toEqual({ redirect: '/users?role=admin', reason: 'expired' });
    await waitFor(() => expect(app!.wrapper.text()).toContain('Your session has expired. Please sign in again.'));
  });
});
