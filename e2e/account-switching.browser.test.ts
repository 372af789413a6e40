import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

/** The demo admin owns Northwind MSP and is an administrator of Blue Yonder IT (app/demo-seed.ts). */
const NORTHWIND = 'Northwind MSP';
const BLUE_YONDER = 'Blue Yonder IT';
const NORTHWIND_ONLY = 'sam.rivera@northwind-msp.test';
const BLUE_YONDER_ONLY = 'owner@blueyonder-it.test';

/**
 * One person, one browser, two tabs: switching the account in one tab moves the session (the server's), so
 * the other tab must follow rather than go on showing the old account's people under the new name.
 */
describe.skipIf(!chromiumAvailable())('switching MSP accounts with two tabs open (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let usersTab: Page;
  let groupsTab: Page;

  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const accountName = async (page: Page) => (await page.getByTestId('account-name').innerText()).trim();
  const userEmails = (page: Page) =>
    page
      .locator('table.users-table:not([aria-busy=true]) tr[data-testid=user-row]')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.email ?? ''));
  const groupNames = (page: Page) =>
    page
      .locator('table:not([aria-busy=true]) tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent?.trim() ?? ''));

  async function signIn(page: Page): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-accounts-'));
    [product, browser] = await Promise.all([startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 } });
    usersTab = await context.newPage();
    usersTab.setDefaultTimeout(10_000);
    await signIn(usersTab);
    groupsTab = await context.newPage();
    groupsTab.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('one tab switches; both end up in the new account, and the other says why', async () => {
    // Both tabs in Northwind, each showing its people or groups.
    await usersTab.goto(`/users?q=${encodeURIComponent(NORTHWIND_ONLY)}`);
    await waitForValue(
      () => userEmails(usersTab),
      (e) => e.includes(NORTHWIND_ONLY),
      `${NORTHWIND_ONLY} in the users tab`,
      { page: usersTab },
    );
    await groupsTab.goto('/groups');
    await waitForValue(
      () => groupNames(groupsTab),
      (g) => g.includes('Helpdesk'),
      "Northwind's groups in the groups tab",
      {
        page: groupsTab,
      },
    );
    expect(await accountName(usersTab)).toBe(NORTHWIND);
    expect(await accountName(groupsTab)).toBe(NORTHWIND);

    // The switcher lists both accounts with the role held in each.
    await usersTab.getByTestId('account-switcher').click();
    const list = usersTab.getByTestId('account-list');
    await waitVisible(list, 'the list of accounts', { page: usersTab });
    const offered = await list.getByRole('button').evaluateAll((buttons) =>
      buttons.map((b) => ({
        name: b.querySelector('.account-switcher__option-name')?.textContent?.trim(),
        role: b.querySelector('[data-testid=account-role]')?.textContent?.trim(),
        current: b.getAttribute('aria-current') === 'true',
      })),
    );
    expect(offered).toEqual([
      { name: BLUE_YONDER, role: 'Administrator', current: false },
      { name: NORTHWIND, role: 'Owner', current: true },
    ]);
    await list.getByRole('button', { name: new RegExp(`^${BLUE_YONDER}`) }).click();

    // The switching tab reloads into Blue Yonder: its people, none of Northwind's.
    await waitFor(async () => (await accountName(usersTab)) === BLUE_YONDER, `the users tab in ${BLUE_YONDER}`, { page: usersTab });
    expect(pathOf(usersTab)).toBe('/users');
    const blueUsers = await waitForValue(
      () => userEmails(usersTab),
      (e) => e.includes(BLUE_YONDER_ONLY),
      `${BLUE_YONDER_ONLY} in the users tab`,
      { page: usersTab },
    );
    expect(blueUsers).not.toContain(NORTHWIND_ONLY);
    expect(await usersTab.getByTestId('followed-notice').count(), 'the notice in the tab that switched').toBe(0);

    // The other tab followed by itself, stayed on Groups and says why.
    await waitFor(async () => (await accountName(groupsTab)) === BLUE_YONDER, `the groups tab to follow into ${BLUE_YONDER}`, {
      page: groupsTab,
    });
    expect(pathOf(groupsTab)).toBe('/groups');
    const notice = groupsTab.getByTestId('followed-notice');
    await waitVisible(notice, 'the notice in the tab that followed', { page: groupsTab });
    expect((await notice.innerText()).trim()).toContain(`You switched to ${BLUE_YONDER} in another tab`);
    const groups = await waitForValue(
      () => groupNames(groupsTab),
      (g) => g.includes('Service Desk'),
      "Blue Yonder's groups in the groups tab",
      { page: groupsTab },
    );
    expect(groups).not.toContain('Helpdesk');
  });

  it('the next sign-in lands in the account used last', async () => {
    await usersTab.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(() => pathOf(usersTab) === '/sign-in', 'the sign-in page', { page: usersTab });
    await signIn(usersTab);
    await waitFor(async () => (await accountName(usersTab)) === BLUE_YONDER, `the new session in ${BLUE_YONDER}`, { page: usersTab });
  });
});
