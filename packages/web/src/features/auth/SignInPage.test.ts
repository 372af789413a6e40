import { afterEach, describe, expect, it, vi } from 'vitest';

// The browser's WebAuthn ceremony (navigator.credentials) is the virtual authenticator's job in e2e/; here it answers at once.
vi.mock('@simplewebauthn/browser', () => ({
  WebAuthnError: class WebAuthnError extends Error {},
  startRegistration: vi.fn(),
  startAuthentication: vi.fn(async ({ optionsJSON }: { optionsJSON: { challenge: string } }) => ({
    id: 'cred-1',
    challenge: optionsJSON.challenge,
  })),
}));
import {
  aConnection,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type Responder,
} from '../../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

function signedOutApi(signIn: Responder) {
  let signedIn = false;
  return fakeApi({
    Me: () => (signedIn ? { data: { me: aViewer() } } : graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' })),
    SignIn: async (operation) => {
      const result = await signIn(operation);
      if (!(result instanceof Error) && !result.errors) signedIn = true;
      return result;
    },
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });
}

async function submit(email: string, password: string) {
  const form = app!.wrapper;
  await form.get('input#sign-in-email').setValue(email);
  await form.get('input#sign-in-password').setValue(password);
  await form.get('form').trigger('submit');
  await settle();
}

describe('Sign-in page', () => {
  it('labels the email and password fields', async () => {
    app = await mountApp(
      signedOutApi(() => ({ data: null })),
      '/sign-in',
    );
    const labels = app.wrapper.findAll('label');
    expect(labels.find((l) => l.text() === 'Email')!.attributes('for')).toBe('sign-in-email');
    expect(labels.find((l) => l.text() === 'Password')!.attributes('for')).toBe('sign-in-password');
    expect(app.wrapper.get('button[type="submit"]').text()).toBe('Sign in');
  });

  it("shows the server's message when the email or password is wrong, and stays on the page", async () => {
    const api = signedOutApi(() => graphQLError('INVALID_CREDENTIALS', 'The email or password is incorrect.'));
    app = await mountApp(api, '/sign-in');
    await submit('olivia@northwind-msp.example', 'wrong');

    expect(app.wrapper.get('[role="alert"]').text()).toBe('The email or password is incorrect.');
    expect(app.router.currentRoute.value.path).toBe('/sign-in');
    expect(api.lastCall('SignIn')!.variables).toEqual({
      input: { email: 'olivia@northwind-msp.example', password: 'wrong' },
    });
    expect((app.wrapper.get('input#sign-in-password').element as HTMLInputElement).value).toBe('');
  });

  it("shows the server's message when there were too many attempts", async () => {
    app = await mountApp(
      signedOutApi(() => graphQLError('TOO_MANY_ATTEMPTS', 'Too many attempts. Try again in 15 minutes.')),
      '/sign-in',
    );
    await submit('olivia@northwind-msp.example', 'secret');
    expect(app.wrapper.get('[role="alert"]').text()).toBe('Too many attempts. Try again in 15 minutes.');
  });

  it('shows progress on the button while signing in, then goes to the page asked for', async () => {
    let answer!: () => void;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    app = await mountApp(
      signedOutApi(async () => {
        await gate;
        return { data: { signIn: { __typename: 'SignInPayload', nextStep: 'NONE', viewer: aViewer() } } };
      }),
      '/sign-in?redirect=%2Fcompanies',
    );
    await submit('olivia@northwind-msp.example', 'secret');

    const button = app.wrapper.get('button[type="submit"]');
    expect(button.text()).toBe('Signing in…');
    expect(button.attributes('disabled')).toBeDefined();

    answer();
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/companies'));
    await waitFor(() => expect(app!.wrapper.text()).toContain('olivia@northwind-msp.example'));
  });

  it('goes to /users after signing in without a redirect, and never to another site', async () => {
    app = await mountApp(
      signedOutApi(() => ({ data: { signIn: { __typename: 'SignInPayload', nextStep: 'NONE', viewer: aViewer() } } })),
      '/sign-in?redirect=https%3A%2F%2Fevil.example%2F',
    );
    await submit('olivia@northwind-msp.example', 'secret');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/users'));
  });

  it('explains that the session expired', async () => {
    app = await mountApp(
      signedOutApi(() => ({ data: null })),
      '/sign-in?reason=expired',
    );
    expect(app.wrapper.text()).toContain('Your session has expired. Please sign in again.');
  });

  it('confirms that the person was signed out', async () => {
    app = await mountApp(
      signedOutApi(() => ({ data: null })),
      '/sign-in?reason=signed-out',
    );
    expect(app.wrapper.text()).toContain('You have been signed out.');
  });

  it('sends visitors who are already signed in to /users', async () => {
    const api = fakeApi({
      Me: () => ({ data: { me: aViewer() } }),
      UsersPage: () => ({ data: { users: aConnection('User', []) } }),
      Companies: () => ({ data: { companies: aConnection('Company', []) } }),
      Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    });
    app = await mountApp(api, '/sign-in');
    expect(app.router.currentRoute.value.path).toBe('/users');
  });

  it("signs in with a passkey alone: the browser answers the server's challenge and the page asked for opens", async () => {
    let signedIn = false;
    const api = fakeApi({
      Me: () => (signedIn ? { data: { me: aViewer() } } : graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' })),
      StartPasskeySignIn: () => ({
        data: {
          startPasskeySignIn: { __typename: 'PasskeyCeremony', challengeId: 'ch-1', optionsJson: JSON.stringify({ challenge: 'abc' }) },
        },
      }),
      FinishPasskeySignIn: () => {
        signedIn = true;
        return { data: { finishPasskeySignIn: { __typename: 'VerifySecondFactorPayload', viewer: aViewer() } } };
      },
      Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    });
    app = await mountApp(api, '/sign-in?redirect=%2Fcompanies');
    await app.wrapper
      .findAll('button')
      .find((b) => b.text() === 'Sign in with a passkey')!
      .trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/companies'));
    expect(JSON.parse(api.lastCall('FinishPasskeySignIn')!.variables.input.responseJson)).toEqual({ id: 'cred-1', challenge: 'abc' });
    expect(api.lastCall('FinishPasskeySignIn')!.variables.input.challengeId).toBe('ch-1');
  });
});
