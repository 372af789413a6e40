import { afterEach, describe, expect, it } from 'vitest';
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

function aPreview(overrides: Record<string, unknown> = {}) {
  return {
    __typename: 'InvitationPreviewType',
    state: 'VALID',
    accountName: 'Northwind MSP',
    inviterName: 'Olivia Owner',
    email: 'nina@contoso.example',
    knownName: null,
    expiresAt: '2031-03-12T10:00:00.000Z',
    hasAccount: false,
    ...overrides,
  };
}

function api(preview: Record<string, unknown>, accept?: Responder, extra: Record<string, Responder> = {}) {
  return fakeApi({
    InvitationByToken: () => ({ data: { invitationByToken: aPreview(preview) } }),
    ...(accept ? { AcceptInvitation: accept } : {}),
    ...extra,
  });
}

const accepted = (role = 'MEMBER') => ({
  data: {
    acceptInvitation: {
      __typename: 'AcceptInvitationPayload',
      viewer: aViewer({ email: 'nina@contoso.example', name: 'Nina New', role }),
    },
  },
});

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const text = () => app!.wrapper.text();
const field = (label: string) => {
  const labelEl = app!.wrapper.findAll('label').find((l) => l.text() === label);
  if (!labelEl) throw new Error(`No field labelled "${label}"`);
  return app!.wrapper.get(`#${CSS.escape(labelEl.attributes('for')!)}`);
};
const hasField = (label: string) => app!.wrapper.findAll('label').some((l) => l.text() === label);
const acceptButton = () => app!.wrapper.findAll('button').find((b) => b.text() === 'Accept invitation');

describe('Accept invitation page', () => {
  it('shows who invited whom to what, with the form for a new person, and accepts nothing on opening', async () => {
    const fake = api({}, () => accepted());
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(text()).toContain('Olivia Owner invited you to join Northwind MSP on Roster'));

    expect(fake.lastCall('InvitationByToken')!.variables).toEqual({ token: 'tok-123' });
    expect(app.wrapper.get('[data-testid="invitation-email"]').text()).toBe('nina@contoso.example');
    expect(hasField('Your name')).toBe(true);
    expect(hasField('Choose a password')).toBe(true);
    expect(text()).toContain('At least 10 characters');
    expect(acceptButton()).toBeDefined();
    // Mail scanners open links: opening the page must not use the invitation, nor ask who is signed in.
    await settle();
    expect(fake.calls('AcceptInvitation')).toHaveLength(0);
    expect(fake.calls('Me')).toHaveLength(0);
    expect(app.router.currentRoute.value.path).toBe('/invitations/tok-123');
  });

  it('prefills the name the account already has, sends what the person makes of it, and says the limit before sending', async () => {
    const fake = api({ knownName: 'Nina N.' }, () => accepted());
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect((field('Your name').element as HTMLInputElement).value).toBe('Nina N.'));
    await field('Your name').setValue('x'.repeat(201));
    await field('Choose a password').setValue('a-long-password');
    await acceptButton()!.trigger('click');
    await waitFor(() => expect(text()).toContain('A name has at most 200 characters.'));
    expect(fake.calls('AcceptInvitation')).toHaveLength(0);
    await field('Your name').setValue('Nina Newman');
    await acceptButton()!.trigger('click');
    await waitFor(() => expect(fake.calls('AcceptInvitation')).toHaveLength(1));
    expect(fake.lastCall('AcceptInvitation')!.variables).toMatchObject({ input: { name: 'Nina Newman' } });
  });

  it.each([
    ['EXPIRED', 'This invitation has expired', 'This invitation has expired. Ask your administrator to send a new one.'],
    ['REVOKED', 'This invitation was withdrawn', 'This invitation was withdrawn by your administrator.'],
    ['REPLACED', 'This invitation link was replaced', 'A newer invitation was sent to you; use the link in the most recent email.'],
    ['ACCEPTED', 'This invitation has already been used', 'This invitation has already been used. Sign in instead.'],
    ['NOT_FOUND', 'Invitation not found', 'This invitation link is not valid. Check that you copied the whole link.'],
  ])('explains a %s link, leading with the reason, and offers no form', async (state, reason, message) => {
    const notFound = state === 'NOT_FOUND' ? { accountName: null, inviterName: null, email: null, expiresAt: null } : {};
    app = await mountApp(api({ state, ...notFound }), '/invitations/tok-123');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="invitation-state"]').exists()).toBe(true));

    expect(app.wrapper.get('[data-testid="invitation-state"]').text()).toContain(message);
    // The page leads with the reason; who sent the invitation comes after it, as context.
    expect(app.wrapper.get('h1').text()).toBe(reason);
    expect(app.wrapper.get('h1').text()).not.toContain('invited you');
    if (state !== 'NOT_FOUND') {
      expect(app.wrapper.get('[data-testid="invitation-context"]').text()).toContain(
        'The invitation was from Olivia Owner, to join Northwind MSP',
      );
    }
    expect(app.wrapper.find('form').exists()).toBe(false);
    expect(acceptButton()).toBeUndefined();
    if (state === 'ACCEPTED') {
      expect(app.wrapper.find('a[href="/sign-in"]').exists()).toBe(true);
    }
  });

  it('checks the name and the password length before sending', async () => {
    const fake = api({}, () => accepted());
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());

    await field('Choose a password').setValue('short');
    await app.wrapper.get('form').trigger('submit');
    await settle();
    expect(text()).toContain('Enter your name.');
    expect(text()).toContain('Choose a password of at least 10 characters.');
    expect(field('Choose a password').attributes('aria-invalid')).toBe('true');
    expect(fake.calls('AcceptInvitation')).toHaveLength(0);
  });

  it('accepts as a new person and takes a member to the welcome page', async () => {
    const fake = api({}, () => accepted('MEMBER'));
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());

    await field('Your name').setValue('Nina New');
    await field('Choose a password').setValue('correct horse battery');
    await acceptButton()!.trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/welcome'));

    expect(fake.lastCall('AcceptInvitation')!.variables.input).toEqual({
      token: 'tok-123',
      name: 'Nina New',
      password: 'correct horse battery',
    });
    await waitFor(() => expect(app!.wrapper.get('[data-testid="welcome-message"]').text()).toContain('You have joined Northwind MSP.'));
  });

  it('takes an administrator to the users list after accepting', async () => {
    const fake = api({}, () => accepted('ADMIN'), {
      UsersPage: () => ({ data: { users: aConnection('User', []) } }),
      Companies: () => ({ data: { companies: aConnection('Company', []) } }),
      Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    });
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());
    await field('Your name').setValue('Nina New');
    await field('Choose a password').setValue('correct horse battery');
    await app.wrapper.get('form').trigger('submit');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/users'));
  });

  it('asks a person who already has a sign-in for their password only', async () => {
    const fake = api({ hasAccount: true }, () => graphQLError('INVALID_CREDENTIALS', 'The email or password is incorrect.'));
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());

    expect(app.wrapper.get('[data-testid="has-account"]').text()).toContain('You already have a Roster sign-in as nina@contoso.example');
    expect(hasField('Your name')).toBe(false);
    await field('Password').setValue('my old password');
    await acceptButton()!.trigger('click');
    await settle();

    expect(fake.lastCall('AcceptInvitation')!.variables.input).toEqual({ token: 'tok-123', password: 'my old password' });
    expect(app.wrapper.get('[data-testid="accept-error"]').text()).toContain('That password is not correct.');
    expect((field('Password').element as HTMLInputElement).value).toBe('');
    expect(app.router.currentRoute.value.path).toBe('/invitations/tok-123');
  });

  it('replaces the form with the reason when the link died since the page opened', async () => {
    app = await mountApp(
      api({}, () => graphQLError('INVITATION_EXPIRED', 'This invitation expired on 2025-01-01. Ask your administrator to re-invite you.')),
      '/invitations/tok-123',
    );
    await waitFor(() => expect(acceptButton()).toBeDefined());
    await field('Your name').setValue('Nina New');
    await field('Choose a password').setValue('correct horse battery');
    await acceptButton()!.trigger('click');
    await settle();

    expect(app.wrapper.get('[data-testid="invitation-state"]').text()).toContain(
      'This invitation has expired. Ask your administrator to send a new one.',
    );
    expect(acceptButton()).toBeUndefined();
  });

  it('explains a sign-in as someone else and offers to sign out, staying on the invitation', async () => {
    const mismatch =
      'This invitation is for nina@contoso.example, but you are signed in as olivia@northwind-msp.example. Sign out, then open the link again.';
    const fake = api(
      { hasAccount: true },
      () => graphQLError('INVITATION_EMAIL_MISMATCH', mismatch, { invitedEmail: 'nina@contoso.example' }),
      {
        SignOut: () => ({ data: { signOut: { __typename: 'SignOutPayload', signedOut: true } } }),
      },
    );
    app = await mountApp(fake, '/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());
    await field('Password').setValue('whatever password');
    await acceptButton()!.trigger('click');
    await settle();

    expect(app.wrapper.get('[data-testid="invitation-mismatch"]').text()).toBe(mismatch);
    expect(acceptButton()).toBeUndefined();
    const signOut = app.wrapper.findAll('button').find((b) => b.text() === 'Sign out')!;
    await signOut.trigger('click');
    await settle();

    expect(fake.calls('SignOut')).toHaveLength(1);
    expect(app.router.currentRoute.value.path).toBe('/invitations/tok-123');
    await waitFor(() => expect(acceptButton()).toBeDefined());
  });

  it('does not send the visitor to sign in when a request on this page is unauthenticated', async () => {
    app = await mountApp(
      api({}, () => graphQLError('UNAUTHENTICATED', 'Sign in first.', { reason: 'NO_SESSION' })),
      '/invitations/tok-123',
    );
    await waitFor(() => expect(acceptButton()).toBeDefined());
    await field('Your name').setValue('Nina New');
    await field('Choose a password').setValue('correct horse battery');
    await acceptButton()!.trigger('click');
    await settle();
    expect(app.router.currentRoute.value.path).toBe('/invitations/tok-123');
  });
});
