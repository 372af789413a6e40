import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aUser,
  aUserActionPayload,
  aViewer,
  buttonIn,
  fakeApi,
  mountApp,
  settle,
  type ButtonRoot,
  type MountedApp,
  type RecordedOperation,
} from '../../testing/testing';

const ivan = aUser({
  id: 'u-ivan',
  email: 'ivan@contoso.example',
  name: null,
  status: 'INVITED',
  invitationPending: true,
  invitation: {
    invitedBy: 'Olivia Owner',
    lastSentAt: new Date(Date.now() - 3 * 3600 * 1000).toISOString(),
    emailsSent: 2,
    expiresAt: '2031-03-12T10:00:00.000Z',
  },
});
const pia = aUser({
  id: 'u-pia',
  email: 'pia@contoso.example',
  status: 'INVITED',
  invitationPending: true,
  emailBounced: true,
  invitation: { expired: true, expiresAt: '2020-01-05T10:00:00.000Z', deliveryStatus: 'BOUNCED', deliveryError: 'Mailbox does not exist' },
});
const ada = aUser({ id: 'u-ada', email: 'ada@contoso.example', name: 'Ada Admin', role: 'ADMIN' });

function api(overrides: Record<string, (op: RecordedOperation) => any> = {}) {
  let users = [ada, ivan, pia];
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', users) } }),
    UninviteUsers: (op) => {
      users = users.filter((u) => !op.variables.input.userIds.includes(u.id));
      return aUserActionPayload('uninviteUsers', op, (id) => ({
        ok: true,
        message: `The invitation of ${id} was revoked; the link no longer works.`,
      }));
    },
    ReinviteUsers: (op) => aUserActionPayload('reinviteUsers', op, (id) => ({ ok: true, message: `A new invitation was sent to ${id}.` })),
    ...overrides,
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const row = (email: string) => app!.wrapper.get(`[data-testid="user-row"][data-email="${email}"]`);
const toasts = () => app!.wrapper.get('[role="status"][data-testid="toasts"]');
const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);

describe('Users page: pending invitations', () => {
  it('shows the invitation details on the pending badge, expired and bounced invitations, and actions only for pending users', async () => {
    app = await mountApp(api(), '/users');

    const pending = row('ivan@contoso.example').get('[data-testid="badge-pending"]');
    expect(pending.text()).toBe('Invitation pending');
    expect(pending.attributes('title')).toBe('Invited by Olivia Owner · last email 3 hours ago · 2 sent · expires 12 Mar 2031');
    expect(row('ivan@contoso.example').find('[data-testid="badge-bounced"]').exists()).toBe(false);

    // Expired has its own look: a dead link is not the same as one waiting.
    expect(row('pia@contoso.example').get('[data-testid="badge-pending"]').text()).toBe('Invitation expired');
    expect(row('pia@contoso.example').get('[data-testid="badge-pending"]').classes()).toContain('badge--orange');
    expect(pending.classes()).toContain('badge--amber');
    const bounced = row('pia@contoso.example').get('[data-testid="badge-bounced"]');
    expect(bounced.text()).toBe('Email bounced');
    expect(bounced.classes()).toContain('badge--red');

    expect(row('ivan@contoso.example').find('[data-testid="reinvite-button"]').text()).toBe('Re-invite');
    expect(row('ivan@contoso.example').find('[data-testid="uninvite-button"]').text()).toBe('Un-invite');
    expect(row('ada@contoso.example').find('[data-testid="reinvite-button"]').exists()).toBe(false);
    expect(row('ada@contoso.example').find('[data-testid="uninvite-button"]').exists()).toBe(false);
  });

  it('a pending user never emailed shows "Not emailed yet" and a one-click Send that emails a new link', async () => {
    const nell = aUser({
      id: 'u-nell',
      email: 'nell@contoso.example',
      status: 'INVITED',
      source: 'SCIM',
      invitationPending: true,
      invitation: { deliveryStatus: 'NOT_SENT', emailsSent: 0, lastSentAt: null },
    });
    const fake = api({ UsersPage: () => ({ data: { users: aConnection('User', [ada, ivan, nell]) } }) });
    app = await mountApp(fake, '/users');
    expect(row('nell@contoso.example').get('[data-testid="badge-not-emailed"]').text()).toBe('Not emailed yet');
    expect(row('ivan@contoso.example').find('[data-testid="badge-not-emailed"]').exists()).toBe(false);
    const send = row('nell@contoso.example').get('[data-testid="reinvite-button"]');
    expect(send.text()).toBe('Send');
    await send.trigger('click');
    await settle();
    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-nell'], sendEmail: true });
  });

  it('filters by Invitation expired and Not emailed yet, said as the badges say them', async () => {
    const fake = api();
    app = await mountApp(fake, '/users?status=expired');
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ invitationExpired: true });
    const options = app.wrapper.findAll('select option').map((o) => o.text());
    expect(options).toEqual(expect.arrayContaining(['Invitation pending', 'Invitation expired', 'Not emailed yet', 'Email failed']));
    expect(options).not.toContain('Invited');
    await app.router.push('/users?status=not-emailed');
    await settle();
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ notEmailed: true });
  });

  it('"Re-invite all expired" re-invites every expired user, batch by batch, and reports those the server skipped', async () => {
    const expired = [
      { id: 'u-x1', email: 'x1@contoso.example' },
      { id: 'u-x2', email: 'x2@contoso.example' },
      { id: 'u-x3', email: 'x3@contoso.example' },
    ];
    let left = [...expired];
    const fake = api({
      ExpiredInvitationUsers: () => ({
        data: {
          users: {
            __typename: 'UserConnection',
            totalCount: left.length,
            edges: left.map((node) => ({ __typename: 'UserEdge', node: { __typename: 'User', ...node } })),
          },
        },
      }),
      ReinviteUsers: (op) => {
        // x3 was re-invited a moment ago: the throttle skips it, and it stays expired.
        left = left.filter((u) => u.id === 'u-x3');
        return aUserActionPayload('reinviteUsers', op, (id) =>
          id === 'u-x3'
            ? {
                ok: false,
                code: 'REINVITE_THROTTLED',
                message: 'x3@contoso.example was invited less than a minute ago; try again in 30 seconds.',
              }
            : { ok: true, message: `A new invitation was sent to ${id}.` },
        );
      },
    });
    app = await mountApp(fake, '/users?status=expired');
    await button('Re-invite all expired (3)').trigger('click');
    await settle();
    expect(fake.calls('ReinviteUsers')).toHaveLength(1);
    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-x1', 'u-x2', 'u-x3'], sendEmail: true });
    expect(toasts().text()).toContain('Re-invited 2 users whose invitation had expired; 1 skipped.');
    expect(toasts().text()).toContain('try again in 30 seconds');
  });

  it('asks before un-inviting, does nothing on Cancel, and un-invites on confirmation', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    await row('ivan@contoso.example').get('[data-testid="uninvite-button"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="alertdialog"]');
    expect(dialog.text()).toContain(
      'Un-invite ivan@contoso.example? The invitation link will stop working and they will leave the pending list.',
    );
    expect(fake.calls('UninviteUsers')).toHaveLength(0);

    await button('Cancel', dialog).trigger('click');
    await settle();
    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(fake.calls('UninviteUsers')).toHaveLength(0);

    await row('ivan@contoso.example').get('[data-testid="uninvite-button"]').trigger('click');
    await settle();
    const usersQueriesBefore = fake.calls('UsersPage').length;
    await button('Un-invite', app.wrapper.get('[role="alertdialog"]')).trigger('click');
    await settle();

    expect(fake.calls('UninviteUsers')).toHaveLength(1);
    expect(fake.lastCall('UninviteUsers')!.variables.input).toEqual({ userIds: ['u-ivan'] });
    expect(app.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('The invitation of u-ivan was revoked; the link no longer works.');
    expect(fake.calls('UsersPage').length).toBeGreaterThan(usersQueriesBefore);
    expect(app.wrapper.find('[data-testid="user-row"][data-email="ivan@contoso.example"]').exists()).toBe(false);
  });

  it("re-invites a pending user and shows the server's answer, such as the throttle", async () => {
    const fake = api({
      ReinviteUsers: (op) =>
        aUserActionPayload('reinviteUsers', op, () => ({
          ok: false,
          code: 'REINVITE_THROTTLED',
          message: 'ivan@contoso.example was invited less than a minute ago; try again in 42 seconds.',
        })),
    });
    app = await mountApp(fake, '/users');

    await row('ivan@contoso.example').get('[data-testid="reinvite-button"]').trigger('click');
    await settle();
    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-ivan'], sendEmail: true });
    expect(toasts().text()).toContain('ivan@contoso.example was invited less than a minute ago; try again in 42 seconds.');
  });

  it('selects rows and re-invites or un-invites them together, with a result per user', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    expect(app.wrapper.find('[data-testid="bulk-bar"]').exists()).toBe(false);

    await app.wrapper.get('input[aria-label="Select ivan@contoso.example"]').setValue(true);
    await app.wrapper.get('input[aria-label="Select pia@contoso.example"]').setValue(true);
    const bar = app.wrapper.get('[data-testid="bulk-bar"]');
    expect(bar.text()).toContain('2 selected:');

    await bar.get('[data-testid="bulk-reinvite"]').trigger('click');
    await settle();
    expect(fake.lastCall('ReinviteUsers')!.variables.input.userIds).toEqual(['u-ivan', 'u-pia']);
    expect(toasts().text()).toContain('Re-invited 2 users.');
    expect(toasts().text()).toContain('A new invitation was sent to u-pia.');

    await app.wrapper.get('input[aria-label="Select ivan@contoso.example"]').setValue(true);
    await app.wrapper.get('input[aria-label="Select pia@contoso.example"]').setValue(true);
    await app.wrapper.get('[data-testid="bulk-uninvite"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="alertdialog"]');
    expect(dialog.text()).toContain('Un-invite 2 users?');
    expect(fake.calls('UninviteUsers')).toHaveLength(0);
    await button('Un-invite', dialog).trigger('click');
    await settle();

    expect(fake.lastCall('UninviteUsers')!.variables.input.userIds).toEqual(['u-ivan', 'u-pia']);
    expect(app.wrapper.findAll('[data-testid="user-row"]').map((r) => r.attributes('data-email'))).toEqual(['ada@contoso.example']);
    expect(app.wrapper.find('[data-testid="bulk-bar"]').exists()).toBe(false);
  });
});
