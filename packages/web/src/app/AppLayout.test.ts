import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aServerInfo, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

function api(signOut: () => ReturnType<typeof graphQLError> | { data: unknown }, serverInfo = aServerInfo()) {
  let signedIn = true;
  return fakeApi({
    ServerInfo: () => ({ data: { serverInfo } }),
    Me: () =>
      signedIn
        ? { data: { me: aViewer({ account: 'Tailspin IT', email: 'tess@tailspin.example' }) } }
        : graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' }),
    SignOut: () => {
      const result = signOut();
      if (!('errors' in result)) signedIn = false;
      return result as never;
    },
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });
}

const signOutButton = () => app!.wrapper.findAll('button').find((b) => b.text() === 'Sign out')!;

describe('the dashboard shell', () => {
  it('shows the navigation, the current account and the signed-in email', async () => {
    app = await mountApp(
      api(() => ({ data: null })),
      '/users',
    );
    const nav = app.wrapper.get('nav[aria-label="Main"]');
    expect(nav.findAll('a').map((a) => a.text())).toEqual(['Users', 'Companies', 'Groups', 'Integrations', 'Audit log', 'Settings']);
    expect(nav.get('a[aria-current="page"]').text()).toBe('Users');
    expect(app.wrapper.text()).toContain('Tailspin IT');
    expect(app.wrapper.text()).toContain('tess@tailspin.example');
  });

  it('starts with a skip link that takes focus past the navigation to the main landmark', async () => {
    app = await mountApp(
      api(() => ({ data: null })),
      '/users',
    );
    const focusable = app.wrapper.findAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])');
    const skip = focusable[0]!;
    expect(skip.text()).toBe('Skip to content');
    const main = app.wrapper.get('main');
    expect(skip.attributes('href')).toBe(`#${main.attributes('id')}`);

    await skip.trigger('click');
    expect(document.activeElement).toBe(main.element);
    // The fragment is not a route: the page stays where it was.
    expect(app.router.currentRoute.value.fullPath).toBe('/users');
  });

  it('links the API playground, a page of its own outside the app', async () => {
    app = await mountApp(
      api(() => ({ data: null })),
      '/users',
    );
    const link = app.wrapper.findAll('a').find((a) => a.text() === 'API playground');
    expect(link?.attributes('href')).toBe('/playground');
  });

  it('links the Dev mailbox in the sidebar only while the server catches emails itself', async () => {
    app = await mountApp(
      api(() => ({ data: null }), aServerInfo({ devMailboxEnabled: true })),
      '/users',
    );
    await waitFor(() => expect(app!.wrapper.findAll('a').map((a) => a.text())).toContain('Dev mailbox'));
    expect(
      app.wrapper
        .findAll('a')
        .find((a) => a.text() === 'Dev mailbox')!
        .attributes('href'),
    ).toBe('/dev/mailbox');
    app.wrapper.unmount();

    app = await mountApp(
      api(() => ({ data: null }), aServerInfo({ devMailboxEnabled: false })),
      '/users',
    );
    await settle();
    expect(app.wrapper.text()).toContain('Tailspin IT');
    expect(app.wrapper.findAll('a').map((a) => a.text())).not.toContain('Dev mailbox');
  });

  it('keeps Users highlighted on the import pages under it', async () => {
    const fake = api(() => ({ data: null }));
    app = await mountApp(fake, '/users');
    await app.router.push('/users/import');
    await settle();
    const active = app.wrapper.get('nav[aria-label="Main"]').findAll('a.nav__link--active');
    expect(active.map((a) => a.text())).toEqual(['Users']);
  });

  it('signs out, forgets the cached data and says so on the sign-in page', async () => {
    const fake = api(() => ({ data: { signOut: { __typename: 'SignOutPayload', signedOut: true } } }));
    app = await mountApp(fake, '/users');
    await signOutButton().trigger('click');
    await settle();

    expect(fake.calls('SignOut')).toHaveLength(1);
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/sign-in?reason=signed-out'));
    await waitFor(() => expect(app!.wrapper.text()).toContain('You have been signed out.'));
    expect(app.session.viewer.value).toBeNull();
    expect(fake.client.cache.extract()).toEqual({});
  });

  it('stays put and explains when signing out fails', async () => {
    app = await mountApp(
      api(() => graphQLError('INTERNAL_SERVER_ERROR', 'Database unavailable.')),
      '/users',
    );
    await signOutButton().trigger('click');
    await settle();
    expect(app.router.currentRoute.value.path).toBe('/users');
    expect(app.wrapper.text()).toContain('Could not sign out: Database unavailable.');
  });
});
