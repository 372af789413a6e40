import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { freePort, repoRoot, startBuiltProduct, type StartedProduct } from './support.js';

/** better-sqlite3 is a dependency of the server package, not of the workspace root. */
const requireFromServer = createRequire(path.join(repoRoot, 'packages/server/package.json'));
const BetterSqlite3 = requireFromServer('better-sqlite3') as new (file: string) => {
  prepare(sql: string): { run(...params: unknown[]): { changes: number } };
  pragma(sql: string): unknown;
  close(): void;
};

/** A phone held upright (iPhone 12–15 class). */
const PHONE = { width: 390, height: 844 };
/** The narrowest phones in use (Galaxy S class). */
const SMALL_PHONE = { width: 360, height: 740 };
const INVITEE = 'phone.invitee@e2e.test';

interface Fit {
  scrollWidth: number;
  clientWidth: number;
  /** Visible elements reaching past the right edge and not inside a box that scrolls sideways (so cut off or widening the page). */
  cutOff: string[];
}

/** Does the page fit the window's width? */
function measureFit(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const scrolls = (style: CSSStyleDeclaration) => /(auto|scroll)/.test(style.overflowX);
    const clips = (style: CSSStyleDeclaration) => /(hidden|clip)/.test(style.overflowX);
    const name = (el: Element) => `${el.tagName.toLowerCase()}.${String(el.className).trim().replace(/\s+/g, '.')}`;
    const cutOff: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (rect.width <= 1 || rect.height <= 1 || style.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
      // Tables scroll sideways in their own box; a long value ending in an ellipsis inside a cell is by design.
      if (el.closest('td, th')) continue;
      // Reaching past the window, or past a box that hides what overflows it (a panel), unless a box between scrolls sideways.
      let edge = width;
      let clippedBy: string | null = null;
      for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const parentStyle = getComputedStyle(parent);
        if (scrolls(parentStyle)) {
          edge = Infinity;
          break;
        }
        if (clips(parentStyle) && rect.right > parent.getBoundingClientRect().right + 1) {
          clippedBy = name(parent);
          break;
        }
      }
      if (style.position === 'fixed') continue;
      if (clippedBy) cutOff.push(`${name(el)} (right ${Math.round(rect.right)}, hidden by ${clippedBy})`);
      else if (rect.right > edge + 1) cutOff.push(`${name(el)} (right ${Math.round(rect.right)})`);
    }
    return { scrollWidth: root.scrollWidth, clientWidth: width, cutOff: cutOff.slice(0, 8) };
  });
}

async function expectFits(page: Page, where: string): Promise<void> {
  const fit = await measureFit(page);
  expect(fit.scrollWidth, `${where}: the page scrolls sideways (${JSON.stringify(fit)})`).toBeLessThanOrEqual(fit.clientWidth);
  expect(fit.cutOff, `${where}: elements cut off at the right edge`).toEqual([]);
}

/** Every element of `locator` lies within the window's width. */
async function expectWithinWidth(locator: Locator, what: string): Promise<void> {
  const box = (await locator.boundingBox())!;
  expect(box, what).not.toBeNull();
  const width = locator.page().viewportSize()!.width;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(width + 0.5);
}

describe.skipIf(!chromiumAvailable())('the dashboard on a phone, 390×844 (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ids: { user?: string; integration?: string; webhook?: string } = {};

  const pathOf = () => new URL(page.url()).pathname;
  const rowOf = (email: string) => page.locator(`tr[data-testid=user-row][data-email="${email}"]`);
  const toast = (text: string) => page.locator('[data-testid=toasts][role=status] [data-testid=toast]').filter({ hasText: text });
  const heading = () => page.getByRole('heading', { level: 1 });

  /** One GraphQL request with the browser's own session cookie. */
  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await page.request.post('/graphql', { data: { query, variables } });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors ?? body)}`);
    return body.data;
  }

  /** Moves a pending invitation's creation back two minutes in the product's SQLite file (past the re-invite throttle). */
  function ageInvitation(email: string): void {
    const db = new BetterSqlite3(path.join(dataDir, 'roster.sqlite'));
    try {
      db.pragma('busy_timeout = 5000');
      const old = new Date(Date.now() - 2 * 60_000).toISOString().replace('T', ' ').replace('Z', '');
      expect(db.prepare("UPDATE invitations SET created_at = ? WHERE email = ? AND state = 'PENDING'").run(old, email).changes).toBe(1);
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-phone-'));
    [product, browser] = await Promise.all([
      // Private networks allowed: the webhook endpoint below is a closed local port (nothing is delivered).
      startBuiltProduct(
        { PORT: String(await freePort()), REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' },
        dataDir,
      ),
      launchChromium(),
    ]);
    expect(product.demo, product.output()).not.toBeNull();
    context = await browser.newContext({
      baseURL: product.url,
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);

    await page.goto('/sign-in');
    await expectFits(page, 'the sign-in page');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf() === '/users', 'the Users page after signing in', { page });

    // Something on every page: an API key, a webhook endpoint, a SCIM integration, an audit trail.
    ids.user = (await gql('{ users(page: { first: 1 }) { edges { node { id } } } }')).users.edges[0].node.id;
    // An email in the dev mailbox.
    await gql('mutation { inviteUsers(input: { addresses: "mailbox.reader@e2e.test" }) { results { email } } }');
    await gql('mutation { createApiKey(input: { name: "Phone test key", scopes: ["users:read"] }) { secret } }');
    ids.webhook = (
      await gql(
        'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/roster-hook", events: ["user.invited"] }) { endpoint { id } } }',
      )
    ).createWebhookEndpoint.endpoint.id;
    ids.integration = (
      await gql('mutation { createIntegration(input: { name: "Okta", type: SCIM }) { integration { id } } }')
    ).createIntegration.integration.id;
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the menu button opens the navigation; Escape closes it; a page chosen in it opens', async () => {
    await page.goto('/users');
    const menu = page.getByRole('button', { name: 'Menu', exact: true });
    const nav = page.getByRole('navigation', { name: 'Main' });
    await waitVisible(menu, 'the menu button', { page });
    // Closed: the links are not on screen (nor reachable by Tab).
    expect(await nav.isVisible()).toBe(false);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');

    await menu.click();
    await waitVisible(nav, 'the navigation drawer', { page });
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await waitFor(() => page.evaluate(() => document.activeElement?.closest('#main-navigation') !== null), 'the focus in the drawer', {
      page,
    });
    await expectWithinWidth(page.locator('#main-navigation'), 'the drawer');
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await nav.isVisible()), 'the drawer to close', { page });
    expect(await menu.evaluate((el) => el === document.activeElement)).toBe(true);

    await menu.click();
    await waitVisible(nav, 'the navigation drawer again', { page });
    await nav.getByRole('link', { name: 'Groups' }).click();
    await waitFor(() => pathOf() === '/groups', 'the Groups page', { page });
    await waitFor(async () => !(await nav.isVisible()), 'the drawer to close after choosing a page', { page });
    await expectFits(page, '/groups after the menu');
  });

  it('invites, re-invites and un-invites from a phone', async () => {
    await page.goto('/users');
    await page.getByRole('button', { name: 'Invite users' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    await waitVisible(dialog, 'the "Invite users" dialog', { page });
    await expectWithinWidth(dialog, 'the invite dialog');
    await expectWithinWidth(dialog.getByRole('button', { name: 'Send invitations' }), 'the Send invitations button');
    await expectFits(page, 'the invite dialog');
    await dialog.getByLabel('Email addresses').fill(`Phone Invitee <${INVITEE}>`);
    await dialog.getByRole('button', { name: 'Send invitations' }).click();
    const results = page.getByRole('dialog', { name: 'Invitations' });
    await waitVisible(results.getByTestId('invite-summary'), 'the invitation results', { page });
    expect((await results.getByTestId('invite-summary').innerText()).trim()).toBe('1 invited');
    await expectWithinWidth(results, 'the results dialog');
    await results.getByRole('button', { name: 'Done' }).click();
    await waitFor(async () => (await page.getByRole('dialog').count()) === 0, 'the dialog to close', { page });

    await page.getByLabel('Search users').fill(INVITEE);
    await waitVisible(rowOf(INVITEE).getByTestId('badge-pending'), 'the pending row of the invitee', { page });
    await expectFits(page, 'the Users page with the invitee');
    // The email stays in view while the table is scrolled to its actions.
    const reinvite = rowOf(INVITEE).getByRole('button', { name: 'Re-invite' });
    await reinvite.scrollIntoViewIfNeeded();
    await expectWithinWidth(rowOf(INVITEE).getByTestId('user-link'), 'the pinned email with the actions in view');
    await expectWithinWidth(reinvite, 'the Re-invite button');

    ageInvitation(INVITEE);
    await reinvite.click();
    await waitVisible(toast(`A new invitation was sent for ${INVITEE}`), 'the re-invite message', { page });
    await expectWithinWidth(toast(`A new invitation was sent for ${INVITEE}`), 'the re-invite toast');

    await rowOf(INVITEE).getByRole('button', { name: 'Un-invite' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Un-invite user' });
    await waitVisible(confirm, 'the un-invite confirmation', { page });
    await expectWithinWidth(confirm, 'the confirmation');
    await confirm.getByRole('button', { name: 'Un-invite', exact: true }).click();
    await waitVisible(toast(`The invitation of ${INVITEE} was revoked`), 'the un-invite message', { page });
    await waitForValue(
      () => rowOf(INVITEE).count(),
      (n) => n === 0,
      'the row to leave the list',
      { page },
    );
    expect(await gql(`{ users(filter: { search: "${INVITEE}" }) { totalCount } }`)).toEqual({ users: { totalCount: 0 } });
  });

  it('imports a CSV from a phone: the file picker, the preview with its column mapping, and the result fit the screen', async () => {
    await page.goto('/users/import');
    const input = page.getByLabel('CSV file', { exact: true });
    await waitVisible(input, 'the "CSV file" input', { page });
    await expectWithinWidth(input, 'the file picker');
    const csv = 'Email,Full name,Company\nphone.csv.one@e2e.test,Pat Phone,Contoso Ltd\nphone.csv.two@e2e.test,Sam Phone,Fabrikam Inc\n';
    await input.setInputFiles({ name: 'phone-people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await waitFor(() => /^\/users\/import\/[^/]+$/.test(pathOf()), 'the preview after uploading', { page });
    // The preview: verdict chips, the rows, the column mapping form and the options.
    await waitVisible(page.getByTestId('mapping-editor'), 'the mapping editor', { page });
    await waitVisible(page.locator('[data-testid=import-rows]:not([aria-busy=true]) [data-testid=import-row]'), 'the preview rows', {
      page,
    });
    await expectFits(page, 'the import preview with the mapping editor');
    const start = page.getByRole('button', { name: /^Import / });
    await waitFor(async () => (await start.innerText()).trim() === 'Import 2 users' && (await start.isEnabled()), 'Import 2 users', {
      page,
    });
    await expectWithinWidth(start, 'the start button');
    await start.click();
    await waitVisible(page.getByRole('heading', { name: 'Import finished' }), 'the finished import', { page, timeout: 20_000 });
    expect((await page.getByTestId('import-summary').innerText()).trim()).toBe('2 users invited.');
    await expectFits(page, 'the finished import');
  });

  // 390 px (a common phone) and 360 px (the narrowest the dashboard supports).
  it.each([PHONE, SMALL_PHONE])('no dashboard page scrolls sideways or cuts anything off at $width px', async (size) => {
    await page.setViewportSize(size);
    const where = (what: string) => `${what} at ${size.width} px`;
    const pages: Array<[string, string]> = [
      ['/users', 'Users'],
      ['/users/import', 'Import users'],
      ['/companies', 'Companies'],
      ['/groups', 'Groups'],
      ['/integrations', 'Integrations'],
      [`/integrations/${ids.integration}`, 'Okta'],
      ['/audit', 'Audit log'],
      ['/settings', 'Settings'],
      ['/settings/api-keys', 'Settings'],
      ['/settings/webhooks', 'Settings'],
      [`/settings/webhooks/${ids.webhook}`, 'Settings'],
      ['/dev/mailbox', 'Dev mailbox'],
      ['/no-such-page', 'Page not found'],
    ];
    for (const [address, title] of pages) {
      await page.goto(address);
      await waitFor(async () => (await heading().first().innerText()).trim().startsWith(title), `the "${title}" heading at ${address}`, {
        page,
      });
      // Loaded: no skeleton or loading line left.
      await waitFor(async () => (await page.locator('.skeleton, [aria-busy=true]').count()) === 0, `${address} to finish loading`, {
        page,
      });
      await expectFits(page, where(address));
    }

    // Each page's main dialog fits too, its buttons within reach.
    const dialogs: Array<[string, string | RegExp]> = [
      ['/companies', 'New company'],
      ['/groups', 'New group'],
      ['/integrations', /^Set up SCIM/],
      ['/settings/api-keys', 'Create API key'],
      ['/settings/webhooks', 'New endpoint'],
    ];
    for (const [address, opener] of dialogs) {
      await page.goto(address);
      await page.getByRole('button', { name: opener, exact: true }).click();
      const dialog = page.getByRole('dialog');
      await waitVisible(dialog, `the "${opener}" dialog at ${address}`, { page });
      await expectWithinWidth(dialog, where(`the "${opener}" dialog`));
      for (const button of await dialog.locator('footer button').all()) await expectWithinWidth(button, where(`a button of "${opener}"`));
      await expectFits(page, where(`the "${opener}" dialog`));
      await page.keyboard.press('Escape');
      await waitFor(async () => (await page.getByRole('dialog').count()) === 0, `the "${opener}" dialog to close`, { page });
    }

    // An email opened in the dev mailbox (the outbox sends the invitation of beforeAll within a second or two).
    await page.goto('/dev/mailbox');
    const refresh = page.getByRole('button', { name: 'Refresh' });
    await waitForValue(
      async () => {
        const count = await page.getByTestId('mailbox-item').count();
        if (count === 0 && (await refresh.isEnabled())) await refresh.click();
        return count;
      },
      (count) => count > 0,
      'an email in the dev mailbox',
      { page, interval: 250 },
    );
    await page.getByTestId('mailbox-item').first().click();
    await waitVisible(page.getByRole('article', { name: 'Selected email' }), 'the opened email', { page });
    await expectFits(page, where('an email in the dev mailbox'));

    // The account switcher's list (the demo admin is in two accounts).
    await page.getByTestId('account-switcher').click();
    const accounts = page.getByTestId('account-list');
    await waitVisible(accounts, 'the list of accounts', { page });
    await expectWithinWidth(accounts, 'the list of accounts');
    await expectFits(page, where('the open account switcher'));
    await page.keyboard.press('Escape');

    // The user drawer takes the whole screen.
    await page.goto(`/users?user=${ids.user}`);
    const drawer = page.getByRole('dialog');
    await waitVisible(drawer, 'the user detail drawer', { page });
    await expectWithinWidth(drawer, 'the user drawer');
    expect((await drawer.boundingBox())!.width).toBeGreaterThan(size.width - 2);
    await expectFits(page, where('the user drawer'));
  });
});
