import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const CODES = ['k7m2p-x9qaz', 'b3c4d-e5f6g'];

/** An administrator whose account requires MFA and who has none: `me` answers only once the enrolment is confirmed. */
function enrolmentApi() {
  let enrolled = false;
  const status = () => ({
    __typename: 'MfaStatus',
    email: 'olivia@northwind-msp.example',
    nextStep: enrolled ? 'NONE' : 'ENROL_MFA',
    required: true,
    recoveryCodesLeft: enrolled ? 2 : 0,
    factors: enrolled
      ? [
          {
            __typename: 'MfaFactor',
            id: 'f1',
            kind: 'TOTP',
            label: 'Authenticator app',
            createdAt: '2026-01-01T00:00:00.000Z',
            lastUsedAt: null,
          },
        ]
      : [],
  });
  return fakeApi({
    Me: () =>
      enrolled
        ? { data: { me: aViewer() } }
        : graphQLError('MFA_ENROLMENT_REQUIRED', 'Set up MFA first.', { reason: 'MFA_ENROLMENT_REQUIRED' }),
    SignIn: () => ({ data: { signIn: { __typename: 'SignInPayload', nextStep: 'ENROL_MFA', viewer: aViewer() } } }),
    MfaStatus: () => ({ data: { mfaStatus: status() } }),
    StartTotpEnrolment: () => ({
      data: {
        startTotpEnrolment: {
          __typename: 'TotpEnrolment',
          factorId: 'f1',
          secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
          otpauthUri: 'otpauth://totp/Roster:olivia?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Roster',
          qrCodeSvg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        },
      },
    }),
    ConfirmTotpEnrolment: (op) => {
      if (op.variables.input.code !== '123456')
        return graphQLError('INVALID_CREDENTIALS', 'That code is not right.', { field: 'input.code' });
      enrolled = true;
      return { data: { confirmTotpEnrolment: { __typename: 'ConfirmMfaEnrolmentPayload', recoveryCodes: CODES, status: status() } } };
    },
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });
}

const button = (name: string) => app!.wrapper.findAll('button').find((b) => b.text() === name)!;

describe('MFA set-up page', () => {
  it('takes a person the account requires to enrol from the password through the QR code and a code to their recovery codes, then on', async () => {
    const api = enrolmentApi();
    app = await mountApp(api, '/sign-in?redirect=%2Fcompanies');
    await app.wrapper.get('input#sign-in-email').setValue('olivia@northwind-msp.example');
    await app.wrapper.get('input#sign-in-password').setValue('secret');
    await app.wrapper.get('form').trigger('submit');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/security/mfa'));
    await waitFor(() =>
      expect(app!.wrapper.get('[data-testid="mfa-required-notice"]').text()).toContain('requires multi-factor authentication'),
    );

    await button('Add an authenticator app').trigger('click');
    await settle();
    expect(app.wrapper.get('[data-testid="totp-secret"]').text()).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    const qr = app.wrapper.get('img.mfa__qr');
    expect(qr.attributes('alt')).toBe('QR code of the authenticator secret');
    expect(qr.attributes('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);

    await app.wrapper.get('input#totp-code').setValue('000000');
    await app.wrapper.get('form').trigger('submit');
    await settle();
    expect(app.wrapper.get('[data-testid="mfa-error"]').text()).toBe('That code is not right.');

    await app.wrapper.get('input#totp-code').setValue('123 456');
    await app.wrapper.get('form').trigger('submit');
    await settle();
    expect(api.lastCall('ConfirmTotpEnrolment')!.variables).toEqual({ input: { factorId: 'f1', code: '123456' } });
    expect(app.wrapper.findAll('[data-testid="recovery-codes"] code').map((c) => c.text())).toEqual(CODES);

    await button('I have saved them').trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/companies'));
  });

  it('asks for six digits before sending a code', async () => {
    const api = enrolmentApi();
    app = await mountApp(api, '/security/mfa');
    await waitFor(() => expect(button('Add an authenticator app')).toBeDefined());
    await button('Add an authenticator app').trigger('click');
    await settle();
    await app.wrapper.get('input#totp-code').setValue('12');
    await app.wrapper.get('form').trigger('submit');
    await settle();
    expect(app.wrapper.get('[data-testid="mfa-error"]').text()).toBe('Enter the 6-digit code your authenticator app shows now.');
    expect(api.lastCall('ConfirmTotpEnrolment')).toBeUndefined();
  });
});
