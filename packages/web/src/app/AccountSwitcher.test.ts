import { afterEach, describe, expect, it } from 'vitest';
import { AccountSyncKey, type AccountSwitchMessage, type AccountSync } from '../client/account-sync';
import { aConnection, aUser, aViewer, fakeApi, graphQLError, mountApp, settle, waitFor, type MountedApp } from '../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
  sessionStorage.clear();
});

const NORTHWIND = { id: 'account-1', name: 'Northwind MSP', role: 'OWNER' };
const CONTOSO = { id: 'account-2', name: 'Contoso IT', role: 'ADMIN' };

/** Records what the switcher tells other tabs and where it reloads; `deliver` plays another tab's message. */
function fakeSync() {
  const announced: AccountSwitchMessage[] = [];
  const reloads: string[] = [];
  const listeners = new Set<(m: AccountSwitchMessage) => void>();
  const sync: AccountSync = {
    announce: (m) => announced.push(m),
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reloadAt: (path) => reloads.push(path),
  };
  return { sync, announced, reloads, deliver: (m: AccountSwitchMessage) => listeners.forEach((l) => l(m)), listeners };
}

function api(options: { switchFails?: boolean; otherAccounts?: (typeof CONTOSO)[] } = {}) {
  const others = options.otherAccounts ?? [CONTOSO];
  return fakeApi({
    Me: () => ({ data: { me: aViewer({ account: NORTHWIND.name, role: 'OWNER', otherAccounts: others }) } }),
    SwitchAccount: ({ variables }) =>
      options.switchFails
        ? graphQLError('FORBIDDEN', 'You are not an active member of that MSP account.')
        : {
            data: {
              switchAccount: {
                __typename: 'SwitchAccountPayload',
                viewer: aViewer({ account: CONTOSO.name, accountId: variables.input.accountId, role: 'ADMIN', otherAccounts: [NORTHWIND] }),
              },
            },
          },
    UsersPage: () => ({ data: { users: aConnection('User', [aUser({ email: 'ana@northwind.example' })]) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });
}

const switcher = () => app!.wrapper.get('[data-testid=account-switcher]');
const options = () =>
  app!.wrapper.findAll('[data-testid=account-list] button').map((b) => ({
    name: b.get('.account-switcher__option-name').text(),
    role: b.get('[data-testid=account-role]').text(),
    current: b.attributes('aria-current') === 'true',
  }));

describe('the account switcher', () => {
  it('with one account shows its name and nothing to open', async () => {
    const { sync } = fakeSync();
    app = await mountApp(api({ otherAccounts: [] }), '/users', { provide: { [AccountSyncKey as symbol]: sync } });
    expect(app.wrapper.get('[data-testid=account-name]').text()).toBe('Northwind MSP');
    expect(app.wrapper.find('[data-testid=account-switcher]').exists()).toBe(false);
  });

  it('lists every account with the role held in it, the current one marked; Escape closes it', async () => {
    const { sync } = fakeSync();
    app = await mountApp(api(), '/users', { provide: { [AccountSyncKey as symbol]: sync } });
    expect(switcher().get('[data-testid=account-name]').text()).toBe('Northwind MSP');
    expect(switcher().attributes('aria-expanded')).toBe('false');

    await switcher().trigger('click');
    await settle();
    expect(switcher().attributes('aria-expanded')).toBe('true');
    expect(options()).toEqual([
      { name: 'Contoso IT', role: 'Administrator', current: false },
      { name: 'Northwind MSP', role: 'Owner', current: true },
    ]);
    expect(document.activeElement?.getAttribute('aria-current')).toBe('true');

    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(app.wrapper.find('[data-testid=account-list]').exists()).toBe(false);
    expect(document.activeElement).toBe(switcher().element);

    // Tabbing on out of the list closes it too.
    await switcher().trigger('click');
    await settle();
    const outside = app.wrapper.get<HTMLButtonElement>('[data-testid=menu-button]').element;
    document.activeElement!.dispatchEvent(new FocusEvent('focusout', { bubbles: true, relatedTarget: outside }));
    await settle();
    expect(app.wrapper.find('[data-testid=account-list]').exists()).toBe(false);
  });

  it('switches with switchAccount, forgets the old account’s cache, tells the other tabs and reloads into the same section', async () => {
    const fake = api();
    const { sync, announced, reloads } = fakeSync();
    app = await mountApp(fake, '/users', { provide: { [AccountSyncKey as symbol]: sync } });
    await waitFor(() => expect(app!.wrapper.text()).toContain('ana@northwind.example'));
    await app.router.push('/integrations/integration-9');
    await settle();

    await switcher().trigger('click');
    await settle();
    await app.wrapper.get('[data-account="Contoso IT"]').trigger('click');
    await waitFor(() => expect(reloads).toEqual(['/integrations']));

    expect(fake.calls('SwitchAccount').map((c) => c.variables)).toEqual([{ input: { accountId: 'account-2' } }]);
    expect(announced).toEqual([{ personId: 'person-1', accountId: 'account-2', accountName: 'Contoso IT' }]);
    // Nothing of Northwind's users is left to show under Contoso's name, and the name changes with the reload only.
    expect(JSON.stringify(fake.client.cache.extract())).not.toContain('ana@northwind.example');
    expect(switcher().get('[data-testid=account-name]').text()).toBe('Northwind MSP');
  });

  it('says why when switching fails, and stays', async () => {
    const { sync, announced, reloads } = fakeSync();
    app = await mountApp(api({ switchFails: true }), '/users', { provide: { [AccountSyncKey as symbol]: sync } });
    await switcher().trigger('click');
    await settle();
    await app.wrapper.get('[data-account="Contoso IT"]').trigger('click');
    await waitFor(() =>
      expect(app!.wrapper.get('[role=alert]').text()).toBe(
        'Could not switch to Contoso IT: You are not an active member of that MSP account.',
      ),
    );
    expect(announced).toEqual([]);
    expect(reloads).toEqual([]);
    expect(switcher().get('[data-testid=account-name]').text()).toBe('Northwind MSP');
  });
});

describe('a tab whose account was switched in another tab', () => {
  it('that it was not told about notices when it comes back into view, and follows', async () => {
    let current = { account: NORTHWIND.name, accountId: NORTHWIND.id };
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer({ ...current, otherAccounts: [current.accountId === NORTHWIND.id ? CONTOSO : NORTHWIND] }) } }),
      UsersPage: () => ({ data: { users: aConnection('User', []) } }),
      Companies: () => ({ data: { companies: aConnection('Company', []) } }),
      Groups: () => ({ data: { groups: aConnection('Group', []) } }),
    });
    const tab = fakeSync();
    app = await mountApp(fake, '/companies', { provide: { [AccountSyncKey as symbol]: tab.sync } });
    const comesIntoView = () => document.dispatchEvent(new Event('visibilitychange'));

    // Still in Northwind on the server: nothing happens.
    comesIntoView();
    await waitFor(() => expect(fake.calls('Me')).toHaveLength(2));
    await settle();
    expect(tab.reloads).toEqual([]);

    // Switched elsewhere without a word (another window): the next look notices.
    current = { account: CONTOSO.name, accountId: CONTOSO.id };
    comesIntoView();
    await waitFor(() => expect(tab.reloads).toEqual(['/companies']));
    expect(sessionStorage.getItem('roster-followed-account')).toBe('Contoso IT');
  });

  it('forgets its cache, reloads into the new account and then says why', async () => {
    const fake = api();
    const other = fakeSync();
    app = await mountApp(fake, '/groups', { provide: { [AccountSyncKey as symbol]: other.sync } });
    await waitFor(() => expect(other.listeners.size).toBe(1));

    // Its own account announced (a tab that was already there): nothing to do.
    other.deliver({ personId: 'person-1', accountId: 'account-1', accountName: 'Northwind MSP' });
    await settle();
    expect(other.reloads).toEqual([]);

    other.deliver({ personId: 'person-1', accountId: 'account-2', accountName: 'Contoso IT' });
    await waitFor(() => expect(other.reloads).toEqual(['/groups']));
    expect(fake.client.cache.extract()).toEqual({});
    app.wrapper.unmount();

    // The reload: the tab comes back (now in Contoso) and tells the person what happened, once.
    const after = fakeSync();
    app = await mountApp(api(), '/groups', { provide: { [AccountSyncKey as symbol]: after.sync } });
    expect(app.wrapper.get('[data-testid=followed-notice]').text()).toContain(
      'You switched to Contoso IT in another tab; this tab followed.',
    );
    await app.wrapper.get('[data-testid=followed-notice] button').trigger('click');
    expect(app.wrapper.find('[data-testid=followed-notice]').exists()).toBe(false);
    app.wrapper.unmount();
    app = await mountApp(api(), '/groups', { provide: { [AccountSyncKey as symbol]: after.sync } });
    expect(app.wrapper.find('[data-testid=followed-notice]').exists()).toBe(false);
  });
});
