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
  type MountedApp,
  type Responder,
} from '../../testing/testing';

const stan = aUser({ id: 'u-stan', email: 'stan@contoso.example', status: 'STAGED', source: 'INTEGRATION' });
const sue = aUser({ id: 'u-sue', email: 'sue@contoso.example', status: 'SUSPENDED', source: 'SCIM' });
const ann = aUser({ id: 'u-ann', email: 'ann@contoso.example' });
const olga = aUser({ id: 'u-olga', email: 'olga@contoso.example', role: 'OWNER' });

function api(overrides: Record<string, Responder> = {}, role = 'ADMIN') {
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ role }) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    UsersPage: () => ({ data: { users: aConnection('User', [stan, sue, ann, olga]) } }),
    ReinviteUsers: (op) => aUserActionPayload('reinviteUsers', op, (id) => ({ ok: true, message: `Invited ${id}.` })),
    UninviteUsers: (op) => aUserActionPayload('uninviteUsers', op, (id) => ({ ok: true, message: `Dismissed ${id}.` })),
    RestoreUsers: (op) => aUserActionPayload('restoreUsers', op, (id) => ({ ok: true, message: `${id} is restored.` })),
    SuspendUsers: (op) =>
      aUserActionPayload('suspendUsers', op, (id) =>
        id === 'u-olga'
          ? { ok: false, code: 'OWNER_NOT_SUSPENDABLE', message: 'olga is an owner; change their role before suspending them.' }
          : { ok: true, message: `${id} is suspended and can no longer sign in.` },
      ),
    ChangeUserRole: (op) =>
      aUserActionPayload('changeUserRole', op, (id) =>
        id === 'u-olga'
          ? { ok: false, code: 'LAST_OWNER', message: 'olga is the last owner of this account.' }
          : { ok: true, message: `${id} is now an administrator.` },
      ),
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

/** Opens a row's "More actions" menu (teleported to the body) and returns its item labels. */
async function openMenu(email: string): Promise<string[]> {
  await row(email).get('[data-testid="row-menu-button"]').trigger('click');
  await settle();
  return Array.from(document.body.querySelectorAll('[role="menu"] [role="menuitem"]')).map((item) => item.textContent!.trim());
}
async function chooseFromMenu(email: string, label: string) {
  await openMenu(email);
  const item = Array.from(document.body.querySelectorAll<HTMLButtonElement>('[role="menu"] [role="menuitem"]')).find(
    (i) => i.textContent!.trim() === label,
  );
  if (!item) throw new Error(`No menu item "${label}"`);
  item.click();
  await settle();
}
async function closeMenu() {
  document.body.querySelector('[role="menu"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
  await settle();
}

describe('Users page: review, suspend, restore and roles', () => {
  it('shows staged users as "Awaiting review" with Invite and Dismiss, suspended ones with Restore, and where users came from', async () => {
    app = await mountApp(api(), '/users');

    const staged = row('stan@contoso.example').get('[data-testid="badge-staged"]');
    expect(staged.text()).toBe('Awaiting review');
    expect(staged.classes()).toContain('badge--blue');
    expect(row('stan@contoso.example').find('[data-testid="badge-pending"]').exists()).toBe(false);
    expect(row('stan@contoso.example').get('[data-testid="invite-staged-button"]').text()).toBe('Invite');
    expect(row('stan@contoso.example').get('[data-testid="dismiss-button"]').text()).toBe('Dismiss');
    expect(row('stan@contoso.example').get('[data-testid="user-source"]').text()).toBe('Integration');

    expect(row('sue@contoso.example').get('[data-testid="badge-suspended"]').text()).toBe('Suspended');
    expect(row('sue@contoso.example').get('[data-testid="restore-button"]').text()).toBe('Restore');
    expect(await openMenu('sue@contoso.example')).toEqual(['Change role…']);
    await closeMenu();
    expect(row('sue@contoso.example').get('[data-testid="user-source"]').text()).toBe('SCIM');

    expect(row('ann@contoso.example').find('[data-testid="restore-button"]').exists()).toBe(false);
    expect(row('ann@contoso.example').find('[data-testid="user-source"]').exists()).toBe(false);
    expect(await openMenu('ann@contoso.example')).toEqual(['Change role…', 'Suspend…']);
    await closeMenu();
    expect(document.body.querySelector('[role="menu"]')).toBeNull();
    expect(document.activeElement).toBe(row('ann@contoso.example').get('[data-testid="row-menu-button"]').element);
    // Owners cannot be suspended: no item that can only fail.
    expect(await openMenu('olga@contoso.example')).toEqual(['Change role…']);
    await closeMenu();
  });

  it('invites a staged user with reinviteUsers, and dismisses one with uninviteUsers after asking', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');

    await row('stan@contoso.example').get('[data-testid="invite-staged-button"]').trigger('click');
    await settle();
    expect(fake.lastCall('ReinviteUsers')!.variables.input).toEqual({ userIds: ['u-stan'], sendEmail: true });
    expect(toasts().text()).toContain('Invited u-stan.');

    await row('stan@contoso.example').get('[data-testid="dismiss-button"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="alertdialog"]');
    expect(dialog.text()).toContain('Dismiss stan@contoso.example? They are not invited and leave the review list');
    expect(fake.calls('UninviteUsers')).toHaveLength(0);
    await buttonIn(dialog, 'Dismiss').trigger('click');
    await settle();
    expect(fake.lastCall('UninviteUsers')!.variables.input).toEqual({ userIds: ['u-stan'] });
    expect(toasts().text()).toContain('Dismissed u-stan.');
  });

  it('filters on "Awaiting review" through the URL', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await app.wrapper.get('select').setValue('staged');
    await settle();
    expect(app.router.currentRoute.value.query.status).toBe('staged');
    expect(fake.lastCall('UsersPage')!.variables.filter).toEqual({ statuses: ['STAGED'] });
  });

  it('restores a suspended user and says so', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    const reads = fake.calls('UsersPage').length;
    await row('sue@contoso.example').get('[data-testid="restore-button"]').trigger('click');
    await settle();
    expect(fake.lastCall('RestoreUsers')!.variables.input).toEqual({ userIds: ['u-sue'] });
    expect(toasts().text()).toContain('u-sue is restored.');
    expect(fake.calls('UsersPage').length).toBeGreaterThan(reads);
  });

  it('suspends one user from the row menu after asking', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await chooseFromMenu('ann@contoso.example', 'Suspend…');
    expect(app.wrapper.get('[role="alertdialog"]').text()).toContain(
      'Suspend ann@contoso.example? They can no longer sign in until restored.',
    );
    await buttonIn(app.wrapper.get('[role="alertdialog"]'), 'Suspend').trigger('click');
    await settle();
    expect(fake.lastCall('SuspendUsers')!.variables.input).toEqual({ userIds: ['u-ann'] });
    expect(toasts().text()).toContain('u-ann is suspended and can no longer sign in.');
  });

  it('suspends the selected users after saying they cannot sign in, with a result per user', async () => {
    const fake = api();
    app = await mountApp(fake, '/users');
    await app.wrapper.get('input[aria-label="Select ann@contoso.example"]').setValue(true);
    await app.wrapper.get('input[aria-label="Select olga@contoso.example"]').setValue(true);

    await app.wrapper.get('[data-testid="bulk-suspend"]').trigger('click');
    await settle();
    const dialog = app.wrapper.get('[role="alertdialog"]');
    expect(dialog.text()).toContain('Suspend 2 users? They can no longer sign in until restored. Nothing is deleted');
    await buttonIn(dialog, 'Cancel').trigger('click');
    await settle();
    expect(fake.calls('SuspendUsers')).toHaveLength(0);

    await app.wrapper.get('[data-testid="bulk-suspend"]').trigger('click');
    await settle();
    await buttonIn(app.wrapper.get('[role="alertdialog"]'), 'Suspend').trigger('click');
    await settle();
    expect(fake.lastCall('SuspendUsers')!.variables.input).toEqual({ userIds: ['u-ann', 'u-olga'] });
    const toast = toasts().text();
    expect(toast).toContain('Suspended 1 of 2 users.');
    expect(toast).toContain('u-ann is suspended and can no longer sign in.');
    expect(toast).toContain('olga is an owner; change their role before suspending them.');
  });

  it('offers the Owner role to owners only, and changes roles with the server’s answer per user', async () => {
    app = await mountApp(api(), '/users');
    await chooseFromMenu('ann@contoso.example', 'Change role…');
    let options = app.wrapper.findAll('[data-testid="change-role-select"] option').map((o) => o.text());
    expect(options).toEqual(['Choose a role', 'Member', 'Administrator']);
    app.wrapper.unmount();

    const fake = api({}, 'OWNER');
    app = await mountApp(fake, '/users');
    await app.wrapper.get('input[aria-label="Select ann@contoso.example"]').setValue(true);
    await app.wrapper.get('input[aria-label="Select olga@contoso.example"]').setValue(true);
    await app.wrapper.get('[data-testid="bulk-change-role"]').trigger('click');
    await settle();
    options = app.wrapper.findAll('[data-testid="change-role-select"] option').map((o) => o.text());
    expect(options).toEqual(['Choose a role', 'Member', 'Administrator', 'Owner']);

    // Nothing chosen: the dialog says so and sends nothing.
    await app.wrapper.get('[data-testid="change-role-form"]').trigger('submit');
    await settle();
    expect(app.wrapper.get('[role="dialog"]').text()).toContain('Choose a role.');
    expect(fake.calls('ChangeUserRole')).toHaveLength(0);

    await app.wrapper.get('[data-testid="change-role-select"]').setValue('ADMIN');
    await app.wrapper.get('[data-testid="change-role-form"]').trigger('submit');
    await settle();
    expect(fake.lastCall('ChangeUserRole')!.variables.input).toEqual({ userIds: ['u-ann', 'u-olga'], role: 'ADMIN' });
    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Changed the role of 1 of 2 users.');
    expect(toasts().text()).toContain('olga is the last owner of this account.');
  });
});
