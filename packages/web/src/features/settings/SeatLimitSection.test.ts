import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aSeatsViewer,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type RecordedOperation,
} from '../../testing/testing';

function api(role = 'OWNER') {
  let seats = { used: 8, limit: 10 as number | null };
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role }) } }),
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
    MySessions: () => ({ data: { mySessions: aConnection('SignedInSession', []) } }),
    SeatLimit: () => ({ data: { me: aSeatsViewer(seats) } }),
    UpdateSeatLimit: (op: RecordedOperation) => {
      const seatLimit = op.variables.seatLimit as number | null;
      if (seatLimit === 123456789)
        return graphQLError('BAD_USER_INPUT', 'The seat limit must be a whole number from 1 to 10,000,000.', { field: 'input.seatLimit' });
      seats = { ...seats, limit: seatLimit };
      return {
        data: { updateAccountSettings: { __typename: 'UpdateAccountSettingsPayload', account: aSeatsViewer(seats).currentAccount } },
      };
    },
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const input = () => app!.wrapper.get('[data-testid="seat-limit-input"]');
const section = () => app!.wrapper.get('[data-testid="seat-limit-section"]');

describe('Settings › Account › Seat limit', () => {
  it('lets the owner set, refuse and clear the limit', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect((input().element as HTMLInputElement).value).toBe('10'));
    expect(section().text()).toContain('8 used now');
    await input().setValue('25');
    await app.wrapper.get('[data-testid="seat-limit-save"]').trigger('submit');
    await waitFor(() => expect(section().text()).toContain('Saved.'));
    expect(fake.lastCall('UpdateSeatLimit')!.variables).toEqual({ seatLimit: 25 });

    await input().setValue('0');
    await section().get('form').trigger('submit');
    await settle();
    expect(section().get('[role="alert"]').text()).toMatch(/whole number from 1/);
    expect(fake.calls('UpdateSeatLimit')).toHaveLength(1);

    await input().setValue('123456789');
    await section().get('form').trigger('submit');
    await waitFor(() => expect(section().get('[role="alert"]').text()).toMatch(/10,000,000/));

    await input().setValue('');
    await section().get('form').trigger('submit');
    await waitFor(() => expect(fake.lastCall('UpdateSeatLimit')!.variables).toEqual({ seatLimit: null }));
  });

  it('is not shown to administrators', async () => {
    app = await mountApp(api('ADMIN'), '/settings');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="account-settings-form"]').exists()).toBe(true));
    await settle();
    expect(app.wrapper.find('[data-testid="seat-limit-section"]').exists()).toBe(false);
  });
});
