import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aSeatsViewer,
  aViewer,
  buttonIn,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type ButtonRoot,
  type MountedApp,
  type RecordedOperation,
} from '../../testing/testing';

interface ASession {
  __typename: 'SignedInSession';
  id: string;
  device: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
  secondFactorPending: boolean;
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function aSession(overrides: Partial<ASession> = {}): ASession {
  return {
    __typename: 'SignedInSession',
    id: 'session-1',
    device: 'Chrome on Windows',
    ip: '203.0.113.5',
    createdAt: minutesAgo(600),
    lastSeenAt: minutesAgo(0),
    current: true,
    secondFactorPending: false,
    ...overrides,
  };
}

function api() {
  let sessions = [
    aSession(),
    aSession({ id: 'session-2', device: 'Firefox on Linux', ip: '198.51.100.7', lastSeenAt: minutesAgo(180), current: false }),
    aSession({ id: 'session-3', device: null, ip: null, lastSeenAt: minutesAgo(3 * 24 * 60), current: false }),
  ];
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    // The rest of the Settings page around the section.
    AccountSettings: () => ({
      data: {
        me: {
          __typename: 'ViewerInfo',
          currentAccount: {
            __typename: 'Account',
            id: 'account-1',
            name: 'Northwind MSP',
            invitationLifetimeDays: 7,
            invitationReminderDays: null,
            requireMfa: 'NONE',
          },
        },
      },
    }),
    SeatLimit: () => ({ data: { me: aSeatsViewer() } }),
    MySessions: () => ({ data: { mySessions: aConnection('SignedInSession', sessions) } }),
    SignOutSession: (op: RecordedOperation) => {
      sessions = sessions.filter((s) => s.id !== op.variables.input.id);
      return { data: { signOutSession: { __typename: 'SignOutSessionPayload', sessionId: op.variables.input.id, wasCurrent: false } } };
    },
    ChangePassword: (op: RecordedOperation) => {
      if (op.variables.input.currentPassword !== 'old-password')
        return graphQLError('INVALID_CREDENTIALS', 'Your current password is not right. Enter the password you signed in with.', {
          field: 'input.currentPassword',
        });
      const ended = sessions.filter((s) => !s.current).length;
      sessions = sessions.filter((s) => s.current);
      return { data: { changePassword: { __typename: 'ChangePasswordPayload', sessionsEnded: ended } } };
    },
    SignOutEverywhere: () => {
      const ended = sessions.filter((s) => !s.current).length;
      sessions = sessions.filter((s) => s.current);
      return { data: { signOutEverywhere: { __typename: 'SignOutEverywherePayload', sessionsEnded: ended } } };
    },
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);
const rows = () => app!.wrapper.findAll('[data-testid="session-row"]');
const cells = (index: number) =>
  rows()
    [index]!.findAll('td')
    .map((td) => td.text());

async function openSettings(fake: ReturnType<typeof api>) {
  app = await mountApp(fake, '/settings');
  await waitFor(() => expect(rows()).toHaveLength(3));
}

describe('Settings › Sessions', () => {
  it('lists each session with its device, address and last use, marking this device, which has no Sign out', async () => {
    await openSettings(api());
    expect(cells(0).slice(0, 3)).toEqual(['Chrome on WindowsThis device', '203.0.113.5', 'Now']);
    expect(rows()[0]!.get('[data-testid="this-device"]').text()).toBe('This device');
    expect(app!.wrapper.findAll('[data-testid="this-device"]')).toHaveLength(1);
    expect(cells(1).slice(0, 3)).toEqual(['Firefox on Linux', '198.51.100.7', '3 hours ago']);
    expect(cells(2).slice(0, 3)).toEqual(['Unknown device', 'Unknown', '3 days ago']);
    expect(rows()[0]!.findAll('button')).toHaveLength(0);
    expect(
      rows()[1]!
        .findAll('button')
        .map((b) => b.text()),
    ).toEqual(['Sign out']);
  });

  it('signs one other session out and lists what is left', async () => {
    const fake = api();
    await openSettings(fake);
    await button('Sign out', rows()[1]!).trigger('click');
    await settle();
    expect(fake.lastCall('SignOutSession')!.variables).toEqual({ input: { id: 'session-2' } });
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(app!.wrapper.get('[data-testid="sessions-status"]').text()).toBe('Signed out Firefox on Linux (198.51.100.7).');
    expect(rows().map((row) => row.get('td').text())).toEqual(['Chrome on WindowsThis device', 'Unknown device']);
  });

  it('asks before signing out everywhere else, then keeps only this device', async () => {
    const fake = api();
    await openSettings(fake);
    await button('Sign out everywhere else').trigger('click');
    await settle();
    const confirm = app!.wrapper.get('[role="alertdialog"]');
    expect(confirm.text()).toContain('Sign out your 2 other sessions?');
    expect(confirm.text()).toContain('This one stays signed in.');
    expect(fake.calls('SignOutEverywhere')).toHaveLength(0);

    await button('Sign out everywhere else', confirm).trigger('click');
    await settle();
    expect(fake.calls('SignOutEverywhere')).toHaveLength(1);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(app!.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(app!.wrapper.get('[data-testid="sessions-status"]').text()).toBe('Signed out 2 other sessions.');
    expect(app!.wrapper.find('[data-testid="sign-out-everywhere"]').exists()).toBe(false);
  });

  it('changes the password with the current one, says so at the field when it is wrong, and lists the sessions left', async () => {
    const fake = api();
    await openSettings(fake);
    const form = () => app!.wrapper.get('[data-testid="change-password-form"]');
    const input = (label: string) => {
      const found = form()
        .findAll('label')
        .find((l) => l.text() === label)!;
      return form().get(`#${found.attributes('for')}`);
    };

    await input('Current password').setValue('old-password');
    await input('New password').setValue('short');
    await form().trigger('submit');
    await settle();
    expect(form().text()).toContain('Choose a password of at least 10 characters.');
    expect(fake.calls('ChangePassword')).toHaveLength(0);

    await input('Current password').setValue('not-it');
    await input('New password').setValue('a-much-longer-one');
    await form().trigger('submit');
    await settle();
    expect(input('Current password').attributes('aria-invalid')).toBe('true');
    expect(form().text()).toContain('Your current password is not right.');

    await input('Current password').setValue('old-password');
    await form().trigger('submit');
    await settle();
    expect(fake.lastCall('ChangePassword')!.variables).toEqual({
      input: { currentPassword: 'old-password', newPassword: 'a-much-longer-one' },
    });
    expect(form().text()).toContain('Password changed. 2 other sessions were signed out.');
    expect((input('Current password').element as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(rows()).toHaveLength(1));
  });
});
