import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aUser,
  aUserActionPayload,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type RecordedOperation,
  type Responder,
} from '../../testing/testing';

type AUser = ReturnType<typeof aUser>;
/** What `user(id)` answers: the row's fields plus the ones only the panel shows. */
const detail = (
  user: AUser,
  extra: { externalId?: string | null; createdAt?: string; managedBy?: { id: string; name: string; type: string } | null } = {},
) => ({
  ...user,
  externalId: extra.externalId ?? null,
  createdAt: extra.createdAt ?? '2025-03-12T14:05:00.000Z',
  managedBy: extra.managedBy ? { __typename: 'ManagingIntegration', ...extra.managedBy } : null,
});

const ivan = aUser({
  id: 'u-ivan',
  email: 'ivan@contoso.example',
  name: 'Ivan Invitee',
  status: 'INVITED',
  invitationPending: true,
  emailBounced: true,
  invitation: {
    emailsSent: 3,
    deliveryStatus: 'BOUNCED',
    deliveryError: 'Mailbox does not exist',
    lastSentAt: new Date(Date.now() - 2 * 3600 * 1000).toISOString(),
  },
  company: { id: 'co-1', name: 'Contoso' },
  groups: [
    { id: 'gr-1', name: 'Engineering' },
    { id: 'gr-2', name: 'On call' },
  ],
});
const olga = aUser({
  id: 'u-olga',
  email: 'olga@contoso.example',
  name: 'Olga Okta',
  status: 'INVITED',
  source: 'SCIM',
  invitationPending: true,
  invitation: { emailsSent: 0, deliveryStatus: 'NOT_SENT', lastSentAt: null, invitedBy: 'Ada Admin' },
});
const sam = aUser({ id: 'u-sam', email: 'sam@contoso.example', name: 'Sam Scim', status: 'SUSPENDED', source: 'SCIM' });

const results = (field: string, op: RecordedOperation, message: (id: string) => string) =>
  aUserActionPayload(field, op, (id) => ({ ok: true, message: message(id) }));

function api(overrides: Record<string, Responder> = {}) {
  const byId: Record<string, ReturnType<typeof detail>> = {
    'u-ivan': detail(ivan),
    'u-sam': detail(sam, { externalId: 'okta|00u1sam' }),
    'u-olga': detail(olga, { externalId: '00u1olga', managedBy: { id: 'int-okta', name: 'Okta', type: 'SCIM' } }),
  };
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', [ivan, sam, olga]) } }),
    UserDetail: (op) => {
      const found = byId[op.variables.id];
      return found ? { data: { user: found } } : graphQLError('NOT_FOUND', 'No user with that id.');
    },
    ReinviteUsers: (op) => results('reinviteUsers', op, (id) => `A new invitation is on its way to ${id}.`),
    UninviteUsers: (op) => results('uninviteUsers', op, (id) => `${id} is un-invited.`),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const panel = () => document.body.querySelector<HTMLElement>('[data-testid="user-panel"]')?.closest<HTMLElement>('[role="dialog"]') ?? null;
const inPanel = (testid: string) => panel()!.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

async function openFromRow(email: string) {
  const link = row(email).get<HTMLAnchorElement>('[data-testid="user-link"]');
  link.element.focus();
  await link.trigger('click');
  await waitFor(() => expect(inPanel('user-panel-email')).not.toBeNull());
  return link.element;
}

describe('Users page: the user detail panel', () => {
  it("opens from the user's email as a labelled dialog with their badges, company, groups and invitation", async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    const link = row('ivan@contoso.example').get('[data-testid="user-link"]');
    expect(link.element.tagName).toBe('A');
    expect(link.attributes('href')).toBe('/users?user=u-ivan');
    await openFromRow('ivan@contoso.example');

    expect(app.router.currentRoute.value.query.user).toBe('u-ivan');
    expect(fake.lastCall('UserDetail')!.variables).toEqual({ id: 'u-ivan' });
    const dialog = panel()!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).toBe('Ivan Invitee');
    expect(dialog.contains(document.activeElement)).toBe(true);
    // The page behind waits while the panel is open.
    expect(app.wrapper.get('.users-page__content').attributes('inert')).toBeDefined();

    expect(inPanel('user-panel-email')!.textContent).toBe('ivan@contoso.example');
    expect(inPanel('badge-pending')!.textContent!.trim()).toBe('Invitation pending');
    expect(inPanel('badge-bounced')!.className).toContain('badge--red');
    expect(inPanel('badge-admin')).toBeNull();

    const company = inPanel('user-panel-company')!.querySelector('a')!;
    expect(company.textContent!.trim()).toBe('Contoso');
    expect(company.getAttribute('href')).toBe('/users?company=co-1');
    const groupLinks = Array.from(inPanel('user-panel-groups')!.querySelectorAll('a'));
    expect(groupLinks.map((a) => [a.textContent!.trim(), a.getAttribute('href')])).toEqual([
      ['Engineering', '/users?group=gr-1'],
      ['On call', '/users?group=gr-2'],
    ]);

    expect(inPanel('invitation-last-sent')!.textContent!.trim()).toBe('2 hours ago');
    expect(inPanel('invitation-emails-sent')!.textContent).toBe('3');
    expect(inPanel('invitation-delivery')!.textContent).toBe('Bounced: Mailbox does not exist');
    expect(inPanel('invitation-expiry')!.textContent!.trim()).not.toBe('');

    // A group link filters the list by it and closes the panel.
    groupLinks[1]!.click();
    await settle();
    expect(app.router.currentRoute.value.query).toEqual({ group: 'gr-2' });
    expect(panel()).toBeNull();
  });

  it('Re-invite in the panel calls reinviteUsers for that user and reports it', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await openFromRow('ivan@contoso.example');

    inPanel('panel-reinvite')!.click();
    await settle();

    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-ivan'], sendEmail: true });
    expect(app.wrapper.get('[data-testid="toasts"]').text()).toContain('A new invitation is on its way to u-ivan.');
    // The panel asks the server again, as the list does.
    expect(fake.calls('UserDetail').length).toBeGreaterThanOrEqual(2);
  });

  it('Un-invite asks first, then closes the panel of the user who is gone', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await openFromRow('ivan@contoso.example');

    inPanel('panel-uninvite')!.click();
    await settle();
    const confirm = document.body.querySelector<HTMLElement>('[role="alertdialog"]')!;
    expect(confirm.textContent).toContain('Un-invite ivan@contoso.example?');
    expect(fake.calls('UninviteUsers')).toHaveLength(0);
    // The panel waits behind the confirmation.
    expect(panel()!.closest('[inert]')).not.toBeNull();
    Array.from(confirm.querySelectorAll('button'))
      .find((b) => b.textContent!.trim() === 'Un-invite')!
      .click();
    await settle();

    expect(fake.lastCall('UninviteUsers')!.variables.input).toEqual({ userIds: ['u-ivan'] });
    await waitFor(() => expect(panel()).toBeNull());
    expect(app.router.currentRoute.value.query.user).toBeUndefined();
  });

  it('Escape closes the panel, drops ?user= and gives the focus back to the email link', async () => {
    app = await mountApp(api(), '/users');
    const link = await openFromRow('ivan@contoso.example');
    expect(document.activeElement).not.toBe(link);

    panel()!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();

    expect(panel()).toBeNull();
    expect(app.router.currentRoute.value.query.user).toBeUndefined();
    expect(app.wrapper.get('.users-page__content').attributes('inert')).toBeUndefined();
    expect(document.activeElement).toBe(row('ivan@contoso.example').get('[data-testid="user-link"]').element);
  });

  it('a SCIM user tells its true source: the integration brought them in, and it sent no email, not "shared by hand"', async () => {
    app = await mountApp(api(), '/users?user=u-olga');
    await waitFor(() => expect(inPanel('user-panel-email')?.textContent).toBe('olga@contoso.example'));
    expect(inPanel('user-panel-source')!.textContent).toContain('Provisioned by an identity provider over SCIM: Okta');
    expect(inPanel('invitation-invited-by')!.textContent).toBe('The Okta integration');
    expect(inPanel('invitation-delivery')!.textContent).toBe('Not emailed yet: Okta is set to send no invitation emails');
    expect(panel()!.textContent).not.toContain('shared by hand');
  });

  it('?user= opens the panel on load; a SCIM user shows their external id and Restore', async () => {
    const fake = api({
      RestoreUsers: (op) => results('restoreUsers', op, (id) => `${id} is restored.`),
    });
    app = await mountApp(fake, '/users?user=u-sam');
    await waitFor(() => expect(inPanel('user-panel-email')?.textContent).toBe('sam@contoso.example'));

    expect(inPanel('badge-suspended')!.textContent).toBe('Suspended');
    expect(inPanel('user-panel-source')!.textContent).toContain('Provisioned by an identity provider over SCIM');
    expect(inPanel('user-panel-external-id')!.textContent).toBe('okta|00u1sam');
    expect(inPanel('user-panel-company')!.textContent!.trim()).toBe('None');
    expect(inPanel('panel-reinvite')).toBeNull();
    expect(inPanel('panel-suspend')).toBeNull();

    inPanel('panel-restore')!.click();
    await settle();
    expect(fake.lastCall('RestoreUsers')!.variables.input).toEqual({ userIds: ['u-sam'] });
  });

  it("Change role and Set company open the page's dialogs for the panel's user alone", async () => {
    const fake = api({
      ChangeUserRole: (op) => results('changeUserRole', op, (id) => `${id} is now an administrator.`),
    });
    app = await mountApp(fake, '/users?user=u-sam');
    await waitFor(() => expect(inPanel('panel-change-role')).not.toBeNull());
    const otherDialog = () =>
      Array.from(document.body.querySelectorAll<HTMLElement>('[role="dialog"]')).find((d) => !d.contains(inPanel('user-panel-email')));

    inPanel('panel-set-company')!.click();
    await settle();
    expect(otherDialog()!.textContent).toContain('sam@contoso.example');
    otherDialog()!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(otherDialog()).toBeUndefined();
    // Escape in a dialog on top closes that dialog only.
    expect(panel()).not.toBeNull();

    inPanel('panel-change-role')!.click();
    await settle();
    const picker = otherDialog()!;
    expect(picker.textContent).toContain('sam@contoso.example');
    await app.wrapper.get('[data-testid="change-role-select"]').setValue('ADMIN');
    await app.wrapper.get('[data-testid="change-role-form"]').trigger('submit');
    await settle();
    expect(fake.lastCall('ChangeUserRole')!.variables.input).toEqual({ userIds: ['u-sam'], role: 'ADMIN' });
  });

  it('says "This user no longer exists" for an unknown or removed user', async () => {
    app = await mountApp(api(), '/users?user=u-gone');
    await waitFor(() => expect(panel()?.textContent).toContain('This user no longer exists'));
    expect(inPanel('panel-reinvite')).toBeNull();
  });

  it('keeps up with live changes to the user through the shared cache', async () => {
    const fake = api();
    app = await mountApp(fake, '/users?user=u-ivan');
    await waitFor(() => expect(inPanel('invitation-emails-sent')?.textContent).toBe('3'));
    await waitFor(() => expect(fake.stream('UserEvents').observed).toBe(true));

    const accepted = aUser({
      ...ivan,
      id: 'u-ivan',
      email: 'ivan@contoso.example',
      status: 'ACTIVE',
      invitationPending: false,
      emailBounced: false,
      invitation: null,
      company: { id: 'co-2', name: 'Fabrikam' },
      groups: [],
    });
    fake.stream('UserEvents').next({
      data: {
        userEvents: {
          __typename: 'UserEvent',
          type: 'UPDATED',
          users: [accepted],
          removedUserIds: [],
          resync: false,
          at: new Date().toISOString(),
        },
      },
    });
    await waitFor(() => expect(inPanel('user-panel-company')!.textContent!.trim()).toBe('Fabrikam'));
    expect(inPanel('user-panel-status')!.textContent).toBe('Active');
    expect(inPanel('badge-pending')).toBeNull();
    expect(inPanel('user-panel-invitation')).toBeNull();
  });

  it('says "Invitation pending" in the Status line as the badge and the Status filter do', async () => {
    app = await mountApp(api(), '/users');
    await openFromRow('ivan@contoso.example');
    expect(inPanel('user-panel-status')!.textContent).toBe('Invitation pending');
    expect(inPanel('badge-pending')!.textContent!.trim()).toBe('Invitation pending');
    const filter = app.wrapper.findAll('option').find((o) => o.attributes('value') === 'invited');
    expect(filter?.text()).toBe('Invitation pending');
  });

  it('resets an active user’s MFA after asking what it does', async () => {
    const ann = aUser({ id: 'u-ann', email: 'ann@contoso.example', name: 'Ann Active', status: 'ACTIVE' });
    const fake = api({
      UserDetail: () => ({ data: { user: detail(ann) } }),
      ResetUserMfa: (op) =>
        op.variables.input.userId === 'u-ann'
          ? { data: { resetUserMfa: { __typename: 'ResetUserMfaPayload', userId: 'u-ann' } } }
          : graphQLError('FORBIDDEN', "Only an owner can reset this user's multi-factor authentication.", { reason: 'OWNER_REQUIRED' }),
    });
    app = await mountApp(fake, '/users?user=u-ann');
    await waitFor(() => expect(inPanel('panel-reset-mfa')).not.toBeNull());
    expect(fake.lastCall('ResetUserMfa')).toBeUndefined();
    inPanel('panel-reset-mfa')!.click();
    await settle();
    const dialog = Array.from(document.body.querySelectorAll<HTMLElement>('[role="dialog"], [role="alertdialog"]')).find((d) =>
      d.textContent?.includes('Reset the MFA of ann@contoso.example?'),
    )!;
    expect(dialog.textContent).toContain('they are signed out');
    Array.from(dialog.querySelectorAll('button'))
      .find((b) => b.textContent?.trim() === 'Reset MFA')!
      .click();
    await waitFor(() => expect(fake.lastCall('ResetUserMfa')!.variables).toEqual({ input: { userId: 'u-ann' } }));
    await waitFor(() => expect(document.body.textContent).toContain('Reset the multi-factor authentication of ann@contoso.example'));
  });
});
