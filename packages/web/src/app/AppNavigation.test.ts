import { afterEach, describe, expect, it } from 'vitest';
import { aConnection, aViewer, fakeApi, mountApp, settle, waitFor, type MountedApp } from '../testing/testing';

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const api = () =>
  fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', []) } }),
    Groups: () => ({ data: { groups: aConnection('Group', []) } }),
  });

const menuButton = () => app!.wrapper.get<HTMLButtonElement>('[data-testid=menu-button]');
const sidebar = () => app!.wrapper.get('[data-testid=sidebar]');
const main = () => app!.wrapper.get('.main');

/** Narrow screens: the navigation is a drawer behind the menu button (CSS shows the button only there). */
describe('the navigation drawer', () => {
  it('opens from the menu button, says so (aria-expanded), moves focus into it and makes the page behind inert', async () => {
    app = await mountApp(api(), '/users');
    expect(menuButton().text()).toBe('Menu');
    expect(menuButton().attributes('aria-controls')).toBe(sidebar().attributes('id'));
    expect(menuButton().attributes('aria-expanded')).toBe('false');
    expect(sidebar().classes()).not.toContain('sidebar--open');

    await menuButton().trigger('click');
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('true');
    expect(sidebar().classes()).toContain('sidebar--open');
    expect(document.activeElement?.textContent?.trim()).toBe('Roster');
    expect(main().attributes('inert')).toBeDefined();
    expect(app.wrapper.find('[data-testid=nav-scrim]').exists()).toBe(true);
  });

  it('closes on Escape and gives focus back to the menu button', async () => {
    app = await mountApp(api(), '/users');
    await menuButton().trigger('click');
    await settle();
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('false');
    expect(sidebar().classes()).not.toContain('sidebar--open');
    expect(main().attributes('inert')).toBeUndefined();
    expect(document.activeElement).toBe(menuButton().element);
  });

  it('closes when a page is chosen in it, and the new page has the focus', async () => {
    app = await mountApp(api(), '/users');
    await menuButton().trigger('click');
    await settle();
    const groups = sidebar()
      .findAll('a')
      .find((a) => a.text() === 'Groups')!;
    await groups.trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.path).toBe('/groups'));
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(app.wrapper.get('main').element);
  });

  it('closes from the scrim and from its own Close menu button', async () => {
    app = await mountApp(api(), '/users');
    await menuButton().trigger('click');
    await settle();
    await app.wrapper.get('[data-testid=nav-scrim]').trigger('click');
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('false');
    expect(app.wrapper.find('[data-testid=nav-scrim]').exists()).toBe(false);

    await menuButton().trigger('click');
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('true');
    await sidebar().get('button[aria-label="Close menu"]').trigger('click');
    await settle();
    expect(menuButton().attributes('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(menuButton().element);
    expect(sidebar().find('button[aria-label="Close menu"]').exists()).toBe(false);
  });
});
