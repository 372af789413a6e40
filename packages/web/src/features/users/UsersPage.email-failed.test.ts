import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aUser,
  aUserActionPayload,
  aViewer,
  fakeApi,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type RecordedOperation,
  type Responder,
} from '../../testing/testing';

const REASON = 'validation_error: The `to` address is on the suppression list.';
const fay = aUser({
  id: 'u-fay',
  email: 'fay@contoso.example',
  name: 'Fay Failed',
  status: 'INVITED',
  invitationPending: true,
  invitation: { deliveryStatus: 'FAILED', deliveryError: REASON, lastSentAt: null, emailsSent: 0 },
});
const ivan = aUser({
  id: 'u-ivan',
  email: 'ivan@contoso.example',
  status: 'INVITED',
  invitationPending: true,
  invitation: { deliveryStatus: 'SENT' },
});
const pia = aUser({
  id: 'u-pia',
  email: 'pia@contoso.example',
  status: 'INVITED',
  invitationPending: true,
  emailBounced: true,
  invitation: { deliveryStatus: 'BOUNCED', deliveryError: 'Mailbox does not exist' },
});
const ada = aUser({ id: 'u-ada', email: 'ada@contoso.example', name: 'Ada Admin', role: 'ADMIN' });

type AUser = ReturnType<typeof aUser>;

function api(overrides: Record<string, Responder> = {}) {
  let users: AUser[] = [ada, fay, ivan, pia];
  const queued = (user: AUser): AUser => ({ ...user, invitation: { ...user.invitation!, deliveryStatus: 'QUEUED', deliveryError: null } });
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: (op) => ({
      data: {
        users: aConnection(
          'User',
          op.variables.filter?.emailFailed ? users.filter((u) => u.invitation?.deliveryStatus === 'FAILED') : users,
        ),
      },
    }),
    UserDetail: (op) => ({
      data: { user: { ...users.find((u) => u.id === op.variables.id)!, externalId: null, createdAt: '2025-03-12T14:05:00.000Z' } },
    }),
    RetryInvitationEmails: (op: RecordedOperation) => {
      const ids: string[] = op.variables.input.userIds;
      users = users.map((u) => (ids.includes(u.id) ? queued(u) : u));
      return aUserActionPayload('retryInvitationEmails', op, (id) => ({
        ok: true,
        message: `The invitation email to ${id} was queued again, with the same link.`,
      }));
    },
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const toasts = () => app!.wrapper.get('[data-testid="toasts"]');
const menuItems = () => Array.from(document.body.querySelectorAll<HTMLButtonElement>('[role="menu"] [role="menuitem"]'));
const panel = () => document.body.querySelector<HTMLElement>('[data-testid="user-panel"]')?.closest<HTMLElement>('[role="dialog"]') ?? null;
const inPanel = (testid: string) => panel()!.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

async function openMenu(email: string): Promise<string[]> {
  await row(email).get('[data-testid="row-menu-button"]').trigger('click');
  await settle();
  return menuItems().map((item) => item.textContent!.trim());
}

describe('Users page: invitation emails that failed', () => {
  it('marks a failed invitation email with a red "Email failed" badge that gives the reason, and no other user', async () => {
    app = await mountApp(api(), '/users');

    const badge = row('fay@contoso.example').get('[data-testid="badge-email-failed"]');
    expect(badge.text()).toBe('Email failed');
    expect(badge.classes()).toContain('badge--red');
    expect(badge.attributes('title')).toBe(`The invitation email could not be sent: ${REASON}. Retry sends it again.`);
    for (const email of ['ivan@contoso.example', 'pia@contoso.example', 'ada@contoso.example']) {
      expect(row(email).find('[data-testid="badge-email-failed"]').exists(), email).toBe(false);
    }
    // A bounce is another matter (the address is wrong): it keeps its own badge and no Retry.
    expect(row('pia@contoso.example').find('[data-testid="badge-bounced"]').exists()).toBe(true);
  });

  it("retries from the row's menu: the same email is queued again, the server's word is shown and the badge goes", async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    expect(await openMenu('ivan@contoso.example')).not.toContain('Retry email');
    document.body.querySelector('[role="menu"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();

    expect((await openMenu('fay@contoso.example'))[0]).toBe('Retry email');
    menuItems()[0]!.click();
    await settle();

    expect(fake.calls('RetryInvitationEmails')).toHaveLength(1);
    expect(fake.lastCall('RetryInvitationEmails')!.variables.input).toEqual({ userIds: ['u-fay'] });
    expect(toasts().text()).toContain('The invitation email to u-fay was queued again, with the same link.');
    await waitFor(() => expect(row('fay@contoso.example').find('[data-testid="badge-email-failed"]').exists()).toBe(false));
    expect(row('fay@contoso.example').get('[data-testid="badge-pending"]').text()).toBe('Invitation pending');
  });

  it("shows the server's refusal when a retry is not possible", async () => {
    const fake = api({
      RetryInvitationEmails: (op) =>
        aUserActionPayload('retryInvitationEmails', op, () => ({
          ok: false,
          code: 'INVITATION_EXPIRED',
          message: 'The invitation of fay@contoso.example has expired; re-invite them to send a new link.',
        })),
    });
    app = await mountApp(fake, '/users');
    await openMenu('fay@contoso.example');
    menuItems()[0]!.click();
    await settle();
    expect(toasts().text()).toContain('The invitation of fay@contoso.example has expired; re-invite them to send a new link.');
  });

  it('filters the list down to failed invitation emails, kept in the URL', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    const status = app.wrapper.get(
      'select#' +
        app.wrapper
          .findAll('label')
          .find((l) => l.text() === 'Status')!
          .attributes('for'),
    );
    expect(status.findAll('option').map((o) => o.text())).toContain('Email failed');
    await status.setValue('email-failed');
    await settle();
    expect(app.router.currentRoute.value.query.status).toBe('email-failed');
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ emailFailed: true });
    expect(app.wrapper.findAll('[data-testid="user-row"]').map((r) => r.attributes('data-email'))).toEqual(['fay@contoso.example']);
  });

  it('retries the failed emails of a selection, and only those', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    await app.wrapper.get('input[aria-label="Select ivan@contoso.example"]').setValue(true);
    expect(app.wrapper.find('[data-testid="bulk-retry-email"]').exists()).toBe(false);
    await app.wrapper.get('input[aria-label="Select fay@contoso.example"]').setValue(true);
    await app.wrapper.get('[data-testid="bulk-retry-email"]').trigger('click');
    await settle();
    expect(fake.lastCall('RetryInvitationEmails')!.variables.input).toEqual({ userIds: ['u-fay'] });
  });

  it('the detail panel shows why the email failed, with Retry email first among its actions', async () => {
    const fake = api();
    app = await mountApp(fake, '/users?user=u-fay');
    await waitFor(() => expect(inPanel('user-panel-email')).not.toBeNull());

    expect(inPanel('invitation-delivery')!.textContent).toBe(`Failed: ${REASON}`);
    expect(inPanel('badge-email-failed')!.textContent!.trim()).toBe('Email failed');
    const retry = panel()!.querySelector<HTMLButtonElement>('[data-testid="panel-retry-email"]')!;
    expect(retry.textContent!.trim()).toBe('Retry email');
    expect(retry.classList).toContain('button--primary');

    retry.click();
    await settle();
    expect(fake.lastCall('RetryInvitationEmails')!.variables.input).toEqual({ userIds: ['u-fay'] });
    await waitFor(() => expect(inPanel('invitation-delivery')!.textContent).toBe('Queued for sending'));
    expect(panel()!.querySelector('[data-testid="panel-retry-email"]')).toBeNull();
  });
});
