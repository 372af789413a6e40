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
  type RecordedOperation,
} from '../../testing/testing';

function api() {
  let account = {
    __typename: 'Account',
    id: 'account-1',
    name: 'Northwind MSP',
    invitationLifetimeDays: 7,
    invitationReminderDays: null as number | null,
    requireMfa: 'NONE',
  };
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    AccountSettings: () => ({ data: { me: { __typename: 'ViewerInfo', currentAccount: account } } }),
    MySessions: () => ({ data: { mySessions: aConnection('SignedInSession', []) } }),
    UpdateAccountSettings: (op: RecordedOperation) => {
      const { name, invitationLifetimeDays, invitationReminderDays, requireMfa } = op.variables.input;
      if (name === 'Taken') return graphQLError('BAD_USER_INPUT', 'Another account already uses that name.', { field: 'input.name' });
      account = { ...account, name, invitationLifetimeDays, invitationReminderDays, requireMfa };
      return { data: { updateAccountSettings: { __typename: 'UpdateAccountSettingsPayload', account } } };
    },
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const form = () => app!.wrapper.get('[data-testid="account-settings-form"]');
const field = (label: string) => {
  const labelEl = form()
    .findAll('label')
    .find((l) => l.text() === label)!;
  return form().get(`#${labelEl.attributes('for')}`);
};
const save = () =>
  form()
    .findAll('button')
    .find((b) => b.text() === 'Save')!;

describe('Settings › Account', () => {
  it('changes the invitation lifetime and the name, which the top bar shows at once', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect((field('Invitation lifetime (days)').element as HTMLInputElement).value).toBe('7'));
    expect(save().attributes('disabled')).toBeDefined();

    await field('Invitation lifetime (days)').setValue('14');
    await field('MSP name').setValue('Northwind Managed Services');
    await form().trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateAccountSettings')!.variables).toEqual({
      input: { name: 'Northwind Managed Services', invitationLifetimeDays: 14, invitationReminderDays: null, requireMfa: 'NONE' },
    });
    expect(form().text()).toContain('Saved.');
    expect(app.wrapper.get('[data-testid="account-name"]').text()).toBe('Northwind Managed Services');
  });

  it('refuses a lifetime outside 1 to 90 days without asking, and shows the server refusing a name at the field', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="account-settings-form"]').exists()).toBe(true));

    await field('Invitation lifetime (days)').setValue('120');
    await form().trigger('submit');
    await settle();
    expect(form().text()).toContain('An invitation can stay valid for 1 to 90 days.');
    expect(field('Invitation lifetime (days)').attributes('aria-invalid')).toBe('true');
    expect(fake.calls('UpdateAccountSettings')).toHaveLength(0);

    await field('Invitation lifetime (days)').setValue('30');
    await field('MSP name').setValue('Taken');
    await form().trigger('submit');
    await settle();
    expect(fake.calls('UpdateAccountSettings')).toHaveLength(1);
    expect(field('MSP name').attributes('aria-invalid')).toBe('true');
    expect(form().text()).toContain('Another account already uses that name.');
    expect(form().text()).not.toContain('Saved.');
  });

  it('turns reminders on N days before expiry, within the lifetime, and off again', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="account-settings-form"]').exists()).toBe(true));
    // Off by default: no day count asked for.
    const toggle = form().get('[data-testid="reminders-on"]');
    expect((toggle.element as HTMLInputElement).checked).toBe(false);
    expect(
      form()
        .findAll('label')
        .some((l) => l.text() === 'Days before the invitation expires'),
    ).toBe(false);

    await toggle.setValue(true);
    expect((field('Days before the invitation expires').element as HTMLInputElement).value).toBe('2');
    await field('Days before the invitation expires').setValue('7');
    await form().trigger('submit');
    await settle();
    expect(form().text()).toContain('A reminder can be sent 1 to 6 days before an invitation expires (invitations last 7 days).');
    expect(field('Days before the invitation expires').attributes('aria-invalid')).toBe('true');
    expect(fake.calls('UpdateAccountSettings')).toHaveLength(0);

    await field('Days before the invitation expires').setValue('3');
    await form().trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateAccountSettings')!.variables.input).toMatchObject({ invitationLifetimeDays: 7, invitationReminderDays: 3 });
    expect(form().text()).toContain('Saved.');
    expect(save().attributes('disabled')).toBeDefined();

    await form().get('[data-testid="reminders-on"]').setValue(false);
    expect(save().attributes('disabled')).toBeUndefined();
    await form().trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateAccountSettings')!.variables.input).toMatchObject({ invitationReminderDays: null });
  });

  it('requires MFA of administrators, saved with the other settings, and links to the person’s own MFA page', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings');
    await waitFor(() => expect((field('Require multi-factor authentication').element as HTMLSelectElement).value).toBe('NONE'));
    expect(app.wrapper.get('[data-testid="mfa-settings-link"]').attributes('href')).toBe('/security/mfa');
    await field('Require multi-factor authentication').setValue('ADMINISTRATORS');
    expect(save().attributes('disabled')).toBeUndefined();
    await form().trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateAccountSettings')!.variables.input).toMatchObject({ requireMfa: 'ADMINISTRATORS' });
    expect(form().text()).toContain('Saved.');
  });
});
