import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { repoRoot, signIn, startBuiltProduct, type StartedProduct } from './support.js';

/** better-sqlite3 is a dependency of the server package, not of the workspace root. */
const requireFromServer = createRequire(path.join(repoRoot, 'packages/server/package.json'));
interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): { changes: number }; get(...params: unknown[]): unknown };
  pragma(sql: string): unknown;
  close(): void;
}
const BetterSqlite3 = requireFromServer('better-sqlite3') as new (file: string) => SqliteDatabase;

const ROW = 'tr[data-testid=user-row]';
const OTHER_ACCOUNT = /blueyonder|wingtip/i;

interface RowInfo {
  email: string;
  name: string;
  company: string;
  /** Every group name (the cell shows two and "+N more"; its title lists them all). */
  groups: string;
  pending: boolean;
  admin: boolean;
}

describe.skipIf(!chromiumAvailable())('the Users page in a real browser (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let demo: { email: string; password: string };
  /** What the API says the demo admin's account holds, to check the page against. */
  let totalUsers: number;
  /** Signed in once (through the API) for the tests about the table itself; each test opens its own tab. */
  let adminContext: BrowserContext;
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-browser-'));
    // SESSION_TTL_HOURS empty = unset (the 12 h default); the expiry test ages the session in the database.
    [product, browser] = await Promise.all([startBuiltProduct({ SESSION_TTL_HOURS: '', REDIS_URL: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    demo = product.demo!;
    const cookie = await signIn(product.url, demo.email, demo.password);
    const response = await fetch(`${product.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ query: '{ users { totalCount } }' }),
    });
    totalUsers = ((await response.json()) as any).data.users.totalCount;
    expect(totalUsers).toBeGreaterThan(50);
    adminContext = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
    const [name, value] = cookie.split('=') as [string, string];
    await adminContext.addCookies([{ name, value, url: product.url }]);
  });

  afterEach(async () => {
    await Promise.all([...contexts.splice(0).map((c) => c.close()), ...pages.splice(0).map((p) => p.close())]);
  });

  afterAll(async () => {
    await adminContext?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A tab of the signed-in admin context on the Users page; waits for the first rows. */
  async function openUsersAsAdmin(): Promise<{ page: Page; rows: RowInfo[] }> {
    const page = await adminContext.newPage();
    pages.push(page);
    page.setDefaultTimeout(10_000);
    await page.goto('/users');
    const rows = await waitForRows(page, () => true, 'the first rows of users');
    return { page, rows };
  }

  /** A fresh browser context (own cookies), so each test starts signed out. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const queryOf = (page: Page) => new URL(page.url()).searchParams;

  /** The rows on screen; cells are found by their column header, so new columns do not break the tests. */
  async function readRows(page: Page): Promise<RowInfo[]> {
    return page.locator('table.users-table').evaluate((table) => {
      const headers = [...(table as HTMLTableElement).tHead!.rows[0]!.cells].map((th) => th.textContent!.trim());
      const column = (name: string) => {
        const index = headers.indexOf(name);
        if (index < 0) throw new Error(`no "${name}" column in ${JSON.stringify(headers)}`);
        return index;
      };
      const [name, company, groups] = [column('Name'), column('Company'), column('Groups')];
      return [...table.querySelectorAll<HTMLTableRowElement>('tr[data-testid=user-row]')].map((row) => ({
        email: row.dataset.email ?? '',
        name: row.cells[name]!.innerText.trim(),
        company: row.cells[company]!.innerText.trim(),
        groups: row.cells[groups]!.title,
        pending: row.querySelector('[data-testid=badge-pending]') !== null,
        admin: row.querySelector('[data-testid=badge-admin]') !== null,
      }));
    });
  }

  /** Waits until the table shows rows and every one satisfies `accept`; returns them. */
  function waitForRows(page: Page, accept: (rows: RowInfo[]) => boolean, what: string): Promise<RowInfo[]> {
    return waitForValue(
      async () => ((await page.locator('table.users-table:not([aria-busy=true])').count()) === 0 ? [] : readRows(page)),
      (rows) => rows.length > 0 && accept(rows),
      what,
      { page },
    );
  }

  const summary = (page: Page) => page.locator('.pagination__summary');
  async function waitForSummary(page: Page, text: string): Promise<void> {
    await waitForValue(
      () => summary(page).innerText(),
      (t) => t.trim() === text,
      `the summary "${text}"`,
      { page },
    );
  }

  async function waitForSignInPage(page: Page): Promise<void> {
    await waitFor(() => pathOf(page) === '/sign-in', 'the sign-in URL', { page });
    await waitVisible(page.getByRole('heading', { name: 'Sign in to your dashboard' }), 'the sign-in heading', { page });
  }

  async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** Signs in through the form as the demo admin and waits for the first page of users. */
  async function signInToUsers(page: Page): Promise<RowInfo[]> {
    await page.goto('/sign-in');
    await submitSignIn(page, demo.email, demo.password);
    await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });
    return waitForRows(page, () => true, 'the first rows of users');
  }

  async function typeSearch(page: Page, text: string): Promise<void> {
    const search = page.getByLabel('Search users');
    await search.fill('');
    // Key by key, as a person types: the page must debounce, not query per keystroke.
    await search.pressSequentially(text, { delay: 20 });
  }

  const selectedLabel = (page: Page, label: string) =>
    page.getByLabel(label, { exact: true }).evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent?.trim() ?? '');

  /** The Company and Group filters are searchable pickers (any number of names): type the start, then pick the name. */
  const pickFrom = async (page: Page, label: string, typed: string, name: string) => {
    const box = page.getByRole('combobox', { name: label, exact: true });
    await box.click();
    await box.fill(typed);
    await page
      .getByRole('listbox', { name: `${label === 'Company' ? 'Companies' : 'Groups'}` })
      .getByRole('option', { name, exact: true })
      .click();
  };
  const pickedName = (page: Page, label: string) => page.getByRole('combobox', { name: label, exact: true }).inputValue();

  const sortOf = (page: Page, column: string) =>
    page.locator('thead th', { has: page.getByRole('button', { name: column, exact: true }) }).getAttribute('aria-sort');

  it('sends a signed-out visitor to the sign-in page; a wrong password shows the error and stays there', async () => {
    const page = await newPage();
    await page.goto('/');
    await waitForSignInPage(page);
    expect(await page.locator(ROW).count()).toBe(0);

    await submitSignIn(page, demo.email, 'not-the-password');
    const error = page.getByTestId('sign-in-error');
    await waitVisible(error, 'the sign-in error', { page });
    expect((await error.innerText()).trim()).toBe('The email or password is incorrect. Check both and try again.');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(pathOf(page)).toBe('/sign-in');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe(demo.email);
  });

  it('signs the demo admin in to the Users page: rows, amber and green badges, the "Showing 1–25 of N" line', async () => {
    const page = await newPage();
    const rows = await signInToUsers(page);
    expect(rows).toHaveLength(25);
    expect(await page.getByRole('heading', { name: 'Users', level: 1 }).isVisible()).toBe(true);
    expect((await page.getByTestId('account-name').innerText()).trim()).toBe('Northwind MSP');
    expect((await page.getByTestId('viewer-email').innerText()).trim()).toBe(demo.email);
    await waitForSummary(page, `Showing 1–25 of ${totalUsers.toLocaleString('en-US')} users`);
    expect(await page.title()).toBe('Users · Roster');

    // The default order is by email, so the first page is the start of the alphabet.
    const emails = rows.map((r) => r.email);
    expect(emails).toEqual([...emails].sort());

    // Amber "Invitation pending" on invited users.
    const pending = page.getByTestId('badge-pending');
    expect(await pending.count()).toBeGreaterThan(0);
    expect((await pending.first().innerText()).trim()).toBe('Invitation pending');
    expect(await pending.first().evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(254, 243, 199)');

    // Green "Administrator" on the owner and the admins (both are on the first page when searching the MSP's domain).
    await typeSearch(page, 'northwind-msp');
    const staff = await waitForRows(page, (r) => r.every((u) => u.email.endsWith('@northwind-msp.test')), 'the MSP staff rows');
    expect(staff.map((u) => u.email).sort()).toEqual(['admin@northwind-msp.test', 'sam.rivera@northwind-msp.test']);
    expect(staff.every((u) => u.admin)).toBe(true);
    const adminBadge = page.locator(`${ROW}[data-email="admin@northwind-msp.test"] [data-testid=badge-admin]`);
    expect((await adminBadge.innerText()).trim()).toBe('Administrator');
    expect(await adminBadge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(220, 252, 231)');

    // One picture of the page for a person to judge.
    await typeSearch(page, '');
    await page.getByLabel('Search users').blur();
    await waitForSummary(page, `Showing 1–25 of ${totalUsers.toLocaleString('en-US')} users`);
    await page.screenshot({ path: path.join(os.tmpdir(), 'users-page.png'), fullPage: false });
  });

  it('search narrows the rows to matching users (debounced, kept in the URL)', async () => {
    const { page, rows: before } = await openUsersAsAdmin();
    expect(before.some((r) => r.email === 'new.hire@contoso.test')).toBe(false);

    await typeSearch(page, 'Nia Brooks');
    const rows = await waitForRows(page, (r) => r.length === 1, 'only Nia Brooks');
    expect(rows[0]).toMatchObject({ email: 'new.hire@contoso.test', name: 'Nia Brooks', company: 'Contoso Ltd', pending: true });
    expect(queryOf(page).get('q')).toBe('Nia Brooks');
    await waitForSummary(page, 'Showing 1–1 of 1 user');

    // The start of a name or an email matches either (served by indexes at any account size).
    await typeSearch(page, 'lena');
    const lenas = await waitForRows(
      page,
      (r) => r.length > 0 && r.every((u) => /^lena/i.test(u.name) || /^lena/i.test(u.email)),
      'rows whose name or email starts with "lena"',
    );
    expect(lenas.length).toBeGreaterThan(1);
    // And a client's domain finds everyone at it.
    await typeSearch(page, 'contoso.test');
    await waitForRows(page, (r) => r.length > 0 && r.every((u) => u.email.endsWith('@contoso.test')), 'the users at contoso.test');
  });

  it("a user's email opens their detail panel: company and groups as on the row, kept in the URL over a reload", async () => {
    const { page, rows } = await openUsersAsAdmin();
    const user = rows.find((r) => r.company !== '—' && r.groups !== '');
    expect(user, 'a demo user with a company and groups on the first page').toBeDefined();

    const link = page.locator(`${ROW}[data-email="${user!.email}"] [data-testid=user-link]`);
    await link.click();
    const title = user!.name !== '—' ? user!.name : user!.email;
    const panel = page.getByRole('dialog', { name: title });
    await waitVisible(panel, "the user's detail panel", { page });
    await waitVisible(panel.getByTestId('user-panel-company'), 'the company in the panel', { page });
    expect((await panel.getByTestId('user-panel-email').innerText()).trim()).toBe(user!.email);
    expect((await panel.getByTestId('user-panel-company').innerText()).trim()).toBe(user!.company);
    const groups = await panel.getByTestId('user-panel-groups').locator('a').allInnerTexts();
    expect(groups.map((g) => g.trim()).sort()).toEqual(user!.groups.split(', ').sort());
    const userId = queryOf(page).get('user');
    expect(userId).toBeTruthy();

    // Escape closes it and the keyboard is back on the email it was opened from.
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.getByRole('dialog').count()) === 0, 'the panel to close on Escape', { page });
    expect(queryOf(page).get('user')).toBeNull();
    expect(await link.evaluate((el) => el === document.activeElement)).toBe(true);

    // The URL opens the same panel on a fresh load (a reload, or a colleague it was sent to).
    await page.goto(`/users?user=${encodeURIComponent(userId!)}`);
    await waitVisible(page.getByRole('dialog', { name: title }).getByTestId('user-panel-company'), 'the panel from its URL', { page });
    expect((await page.getByTestId('user-panel-company').innerText()).trim()).toBe(user!.company);
  });

  it('filters by status, company and group; the URL keeps the filters and a reload keeps them', async () => {
    const { page } = await openUsersAsAdmin();

    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Invitation pending' });
    const invited = await waitForRows(page, (r) => r.every((u) => u.pending), 'only rows with "Invitation pending"');
    expect(invited.length).toBeGreaterThan(0);
    expect(queryOf(page).get('status')).toBe('invited');
    expect(await page.getByTestId('badge-suspended').count()).toBe(0);

    await pickFrom(page, 'Company', 'cont', 'Contoso Ltd');
    await waitForRows(page, (r) => r.every((u) => u.pending && u.company === 'Contoso Ltd'), 'invited Contoso users only');

    await pickFrom(page, 'Group', 'help', 'Helpdesk');
    const filtered = await waitForRows(
      page,
      (r) => r.every((u) => u.pending && u.company === 'Contoso Ltd' && u.groups.split(', ').includes('Helpdesk')),
      'invited Contoso users in Helpdesk only',
    );
    expect(filtered.some((u) => u.email === 'new.hire@contoso.test')).toBe(true);
    const query = queryOf(page);
    expect(query.get('status')).toBe('invited');
    expect(query.get('company')).toBeTruthy();
    expect(query.get('group')).toBeTruthy();
    const urlBefore = page.url();
    const summaryBefore = (await summary(page).innerText()).trim();

    await page.reload();
    const reloaded = await waitForRows(
      page,
      (r) => r.every((u) => u.pending && u.company === 'Contoso Ltd' && u.groups.split(', ').includes('Helpdesk')),
      'the same filtered rows after a reload',
    );
    expect(reloaded.map((u) => u.email)).toEqual(filtered.map((u) => u.email));
    expect(page.url()).toBe(urlBefore);
    await waitForSummary(page, summaryBefore);
    expect(await selectedLabel(page, 'Status')).toBe('Invitation pending');
    await waitForValue(
      () => pickedName(page, 'Company'),
      (v) => v === 'Contoso Ltd',
      'the Company picker to show Contoso Ltd',
      { page },
    );
    await waitForValue(
      () => pickedName(page, 'Group'),
      (v) => v === 'Helpdesk',
      'the Group picker to show Helpdesk',
      { page },
    );

    // Back to any status: another group narrows to other people of that company.
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Any status' });
    await pickFrom(page, 'Group', 'bil', 'Billing');
    const billing = await waitForRows(
      page,
      (r) => r.every((u) => u.company === 'Contoso Ltd' && u.groups.split(', ').includes('Billing')),
      'Contoso users in Billing',
    );
    expect(billing.some((u) => !u.pending)).toBe(true);
    expect(queryOf(page).get('status')).toBeNull();
  });

  it('sorts by a column when its header is clicked (aria-sort follows)', async () => {
    const { page, rows: byEmail } = await openUsersAsAdmin();
    expect(await sortOf(page, 'Email')).toBe('ascending');
    expect(await sortOf(page, 'Name')).toBe('none');

    await page.getByRole('button', { name: 'Name', exact: true }).click();
    await waitFor(async () => (await sortOf(page, 'Name')) === 'ascending', 'Name aria-sort=ascending', { page });
    expect(await sortOf(page, 'Email')).toBe('none');
    const byName = await waitForRows(page, (r) => r.map((u) => u.email).join() !== byEmail.map((u) => u.email).join(), 'a new order');
    const names = byName.map((u) => u.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(queryOf(page).get('sort')).toBe('name');

    await page.getByRole('button', { name: 'Name', exact: true }).click();
    await waitFor(async () => (await sortOf(page, 'Name')) === 'descending', 'Name aria-sort=descending', { page });
    const byNameDesc = await waitForRows(page, (r) => r[0]!.email !== byName[0]!.email, 'the reverse order');
    const namesDesc = byNameDesc.map((u) => u.name.toLowerCase());
    expect(namesDesc).toEqual([...namesDesc].sort().reverse());
    expect(queryOf(page).get('dir')).toBe('desc');
  });

  it('pages forward and back: "Next page" shows rows 26–50, "Previous page" the first rows again', async () => {
    const { page, rows: first } = await openUsersAsAdmin();
    const total = totalUsers.toLocaleString('en-US');
    await waitForSummary(page, `Showing 1–25 of ${total} users`);
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Next page' }).click();
    await waitForSummary(page, `Showing 26–50 of ${total} users`);
    const second = await waitForRows(page, (r) => !r.some((u) => first.some((f) => f.email === u.email)), 'rows not on page 1');
    expect(second).toHaveLength(25);
    expect(second[0]!.email > first[24]!.email).toBe(true);

    await page.getByRole('button', { name: 'Previous page' }).click();
    await waitForSummary(page, `Showing 1–25 of ${total} users`);
    const back = await waitForRows(page, (r) => r[0]!.email === first[0]!.email, 'the first rows again');
    expect(back.map((u) => u.email)).toEqual(first.map((u) => u.email));
  });

  it('never shows a user of the other MSP account', async () => {
    const { page } = await openUsersAsAdmin();

    await typeSearch(page, 'blueyonder');
    const empty = page.getByText('No users match these filters');
    await waitVisible(empty, 'the empty state for "blueyonder"', { page });
    expect(await page.locator(ROW).count()).toBe(0);
    const clear = page.getByRole('button', { name: 'Clear filters' }).first();
    expect(await clear.isVisible()).toBe(true);

    // Every page of the whole list: exactly this account's users, none of Blue Yonder's.
    await clear.click();
    await page.getByLabel('Rows per page').selectOption('100');
    await waitForSummary(page, `Showing 1–100 of ${totalUsers.toLocaleString('en-US')} users`);
    const seen = new Set<string>();
    for (;;) {
      const rows = await waitForRows(page, (r) => r.length === Math.min(100, totalUsers - seen.size), `page ${seen.size / 100 + 1}`);
      for (const row of rows) seen.add(row.email);
      const next = page.getByRole('button', { name: 'Next page' });
      if (await next.isDisabled()) break;
      const firstEmail = rows[0]!.email;
      await next.click();
      await waitForRows(page, (r) => r[0]!.email !== firstEmail, 'the next page');
    }
    expect(seen.size).toBe(totalUsers);
    expect([...seen].filter((e) => OTHER_ACCOUNT.test(e))).toEqual([]);
  });

  it('signs out to the sign-in page with a notice; /users then sends back to sign-in', async () => {
    const page = await newPage();
    await signInToUsers(page);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitForSignInPage(page);
    const notice = page.getByTestId('sign-in-notice');
    await waitVisible(notice, 'the signed-out notice', { page });
    expect((await notice.innerText()).trim()).toBe('You have been signed out.');

    await page.goto('/users');
    await waitForSignInPage(page);
    expect(await page.locator(ROW).count()).toBe(0);
  });

  it('sends an expired session to the sign-in page on the next action, then back to where the admin was', async () => {
    const page = await newPage();
    await signInToUsers(page);

    // Age the session just opened (the newest one) in the SQLite file the product runs on.
    const db = new BetterSqlite3(path.join(dataDir, 'roster.sqlite'));
    try {
      db.pragma('busy_timeout = 5000');
      const newest = db.prepare('SELECT id, expires_at FROM sessions WHERE ended_at IS NULL ORDER BY created_at DESC LIMIT 1').get() as
        { id: string; expires_at: string } | undefined;
      expect(newest?.expires_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      expect(db.prepare("UPDATE sessions SET expires_at = '2000-01-01 00:00:00.000' WHERE id = ?").run(newest!.id).changes).toBe(1);
    } finally {
      db.close();
    }

    await typeSearch(page, 'Jo Chen');
    await waitForSignInPage(page);
    const notice = page.getByTestId('sign-in-notice');
    await waitVisible(notice, 'the expired-session notice', { page });
    expect((await notice.innerText()).trim()).toBe('Your session has expired. Please sign in again.');
    expect(queryOf(page).get('reason')).toBe('expired');
    expect(await page.locator(ROW).count()).toBe(0);

    // Signing in again returns to the search that was interrupted.
    await submitSignIn(page, demo.email, demo.password);
    await waitFor(() => pathOf(page) === '/users', 'the Users page again', { page });
    const rows = await waitForRows(page, (r) => r.length === 1, 'the interrupted search');
    expect(rows[0]!.email).toBe('jo.chen@contoso.test');
  });
});
