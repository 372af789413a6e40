import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const mfaStatus = (nextStep: string) => ({
  __typename: 'MfaStatus',
  email: 'olivia@northwind-msp.example',
  nextStep,
  required: false,
  recoveryCodesLeft: 10,
  factors: [
    {
      __typename: 'MfaFactor',
      id: 'f1',
      kind: 'TOTP',
      label: 'Authenticator app',
      createdAt: '2026-01-01T00:00:00.000Z',
      lastUsedAt: null,
    },
  ],
});

/** A session that is half signed in until verifySecondFactor accepts 123456. */
function halfSignedInApi() {
  let verified = false;
  return fakeApi({
    Me: () =>
      verified
        ? { data: { me: aViewer() } }
        : graphQLError('MFA_REQUIRED', 'Enter the code from your authenticator app.', { reason: 'MFA_REQUIRED' }),
    SignIn: () => ({ data: { signIn: { __typename: 'SignInPayload', nextStep: 'SECOND_FACTOR', viewer: aViewer() } } }),
    MfaStatus: () => ({ data: { mfaStatus: mfaStatus(verified ? 'NONE' : 'SECOND_FACTOR') } }),
    VerifySecondFactor: (op) => {
      if (op.variables.input.code !== '123456')
        return graphQLError(
          'INVALID_CREDENTIALS',
          'That code is not right. Enter the current code from your authenticator app, or an unused recovery code.',
          {
            field: 'input.code',
          },
        );
      verified = true;
      return { data: { verifySecondFactor: { __typename: 'VerifySecondFactorPayload', viewer: aViewer() } } };
    },
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });
}

async function enter(code: string) {
  await app!.wrapper.get('input#second-factor-code').setValue(code);
  await app!.wrapper.get('form').trigger('submit');
  await settle();
}

describe('Second factor page', () => {
  it('is where the password step sends a person with a second factor, and the dashboard waits for the code', async () => {
    const api = halfSignedInApi();
    app = await mountApp(api, '/sign-in?redirect=%2Fcompanies');
    await app.wrapper.get('input#sign-in-email').setValue('olivia@northwind-msp.example');
    await app.wrapper.get('input#sign-in-password').setValue('secret');
    await app.wrapper.get('form').trigger('submit');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/sign-in/verify'));
    expect(app.router.currentRoute.value.query.redirect).toBe('/companies');
    await waitFor(() => expect(app!.wrapper.text()).toContain('Signing in as olivia@northwind-msp.example'));
    expect(app.wrapper.get('label[for="second-factor-code"]').text()).toBe('Code');

    await enter('123456');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/companies'));
    expect(api.lastCall('VerifySecondFactor')!.variables).toEqual({ input: { code: '123456' } });
  });

  it("shows the server's sentence for a wrong code, clears the field and stays", async () => {
    app = await mountApp(halfSignedInApi(), '/sign-in/verify');
    await enter('999999');
    expect(app.wrapper.get('[data-testid="second-factor-error"]').text()).toContain('That code is not right.');
    expect((app.wrapper.get('input#second-factor-code').element as HTMLInputElement).value).toBe('');
    expect(app.router.currentRoute.value.path).toBe('/sign-in/verify');
  });

  it('sends a half-signed-in session that opens a dashboard page to the second factor', async () => {
    app = await mountApp(halfSignedInApi(), '/groups');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/sign-in/verify'));
    expect(app.router.currentRoute.value.query.redirect).toBe('/groups');
  });
});
