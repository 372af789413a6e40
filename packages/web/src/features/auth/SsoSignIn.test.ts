import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, graphQLError, mountApp, waitFor, type MountedApp } from '../../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  vi.restoreAllMocks();
});
const signedOut = () => fakeApi({ Me: () => graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' }) });

describe('Sign in with SSO', () => {
  it("sends the browser to the server's SSO start with the email typed and the page asked for", async () => {
    const assign = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, assign } as Location);
    app = await mountApp(signedOut(), '/sign-in?redirect=/groups');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="sso-open"]').exists()).toBe(true));
    await app.wrapper.get('[data-testid="sso-open"]').trigger('click');
    await app.wrapper.get('[data-testid="sso-continue"]').trigger('click');
    expect(app.wrapper.text()).toContain('Enter your work email or your account name.');
    await app.wrapper.get('[data-testid="sso-account"]').setValue('olivia@northwind.example');
    await app.wrapper.get('[data-testid="sso-form"]').trigger('submit');
    expect(assign).toHaveBeenCalledWith('/auth/sso/start?account=olivia%40northwind.example&redirect=%2Fgroups');
  });

  it('says what to do when single sign-on came back with a failure, without saying more', async () => {
    app = await mountApp(signedOut(), '/sign-in?sso_error=SSO_NO_ACCESS');
    await waitFor(() =>
      expect(app!.wrapper.get('[data-testid="sso-error"]').text()).toBe(
        'You signed in at your identity provider, but that address has no access to this MSP account. Ask an administrator to invite you.',
      ),
    );
  });
});
