import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, mountApp, waitFor, type MountedApp } from '../../testing/testing';

const preview = {
  __typename: 'InvitationPreviewType',
  state: 'VALID',
  accountName: 'Northwind MSP',
  inviterName: 'Olivia Owner',
  email: 'nina@contoso.example',
  knownName: null,
  expiresAt: '2031-03-12T10:00:00.000Z',
  hasAccount: false,
};
const api = (offersSso: boolean) =>
  fakeApi({
    InvitationByToken: () => ({ data: { invitationByToken: preview } }),
    InvitationOffersSso: () => ({ data: { invitationOffersSso: offersSso } }),
  });

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

describe('Accepting an invitation through SSO', () => {
  it("offers 'Continue with SSO' when the account signs in with SSO, beside the password form", async () => {
    app = await mountApp(api(true), '/invitations/tok-123?sso_error=SSO_INVITATION_MISMATCH');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="invitation-sso-continue"]').exists()).toBe(true));
    expect(app.wrapper.get('[data-testid="invitation-sso-continue"]').attributes('href')).toBe('/auth/sso/start?invitation=tok-123');
    expect(app.wrapper.get('[data-testid="invitation-sso-error"]').text()).toContain('use the work account the invitation was sent to');
    expect(app.wrapper.find('[data-testid="accept-form"]').exists()).toBe(true);
  });

  it('offers nothing more when the account has no SSO', async () => {
    const fake = api(false);
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(fake.calls('InvitationOffersSso')).toHaveLength(1));
    await waitFor(() => expect(app!.wrapper.find('[data-testid="accept-form"]').exists()).toBe(true));
    expect(app.wrapper.find('[data-testid="invitation-sso"]').exists()).toBe(false);
  });
});
