import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitVisible } from './browser.js';
import { freePort, startBuiltProduct, type StartedProduct } from './support.js';

/**
 * Issue 14 §7: an automated accessibility check (axe-core, WCAG 2.x A and AA rules) on every page of the built
 * product, failing with the list of what it finds at the serious or critical level. Plus what axe cannot see:
 * the skip link and a visible focus ring on checkboxes and row links.
 */

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The serious and critical violations on the page as it is now, one line each: rule, impact, what, where. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (node) =>
          `${v.id} (${v.impact}): ${v.help} at ${node.target.join(' ')}${node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''}`,
      ),
    );
}

describe.skipIf(!chromiumAvailable())('accessibility of every page (built product, demo seed, axe-core)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ids: { user?: string; integration?: string; webhook?: string; inviteLink?: string; invitee?: string } = {};
  /** Every page's findings, reported together at the end so one run lists them all. */
  const found: Record<string, string[]> = {};

  const pathOf = () => new URL(page.url()).pathname;
  const heading = () => page.getByRole('heading', { level: 1 });

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await page.request.post('/graphql', { data: { query, variables } });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors ?? body)}`);
    return body.data;
  }

  /** Waits until the page has loaded (its heading, no skeleton or busy region), then runs axe. */
  async function check(where: string, title: string | RegExp): Promise<void> {
    const matches = (text: string) => (typeof title === 'string' ? text.trim().startsWith(title) : title.test(text.trim()));
    await waitFor(async () => matches(await heading().first().innerText()), `the "${title}" heading at ${where}`, { page });
    await waitFor(async () => (await page.locator('.skeleton, [aria-busy=true]').count()) === 0, `${where} to finish loading`, { page });
    found[where] = await violations(page);
  }

  /** Runs axe with a dialog open (its content is what matters then). */
  async function checkDialog(where: string, dialogName: string | RegExp): Promise<void> {
    const dialog = page.getByRole('dialog', { name: dialogName });
    await waitVisible(dialog, `the "${dialogName}" dialog at ${where}`, { page });
    await waitFor(async () => (await dialog.locator('.skeleton, [aria-busy=true]').count()) === 0, `${where} to finish loading`, { page });
    found[where] = await violations(page);
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-a11y-'));
    [product, browser] = await Promise.all([
      startBuiltProduct(
        { PORT: String(await freePort()), REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' },
        dataDir,
      ),
      launchChromium(),
    ]);
    expect(product.demo, product.output()).not.toBeNull();
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the sign-in page', async () => {
    await page.goto('/sign-in');
    await check('/sign-in', 'Sign in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf() === '/users', 'the Users page after signing in', { page });

    // Something on every page: a pending invitation (its link for the accept page), an email in the dev mailbox,
    // an API key, a webhook endpoint, a SCIM integration, an audit trail.
    ids.user = (await gql('{ users(page: { first: 1 }) { edges { node { id } } } }')).users.edges[0].node.id;
    await gql('mutation { inviteUsers(input: { addresses: "Mia Mailbox <mia.mailbox@e2e.test>" }) { results { email } } }');
    const invited = (
      await gql(
        'mutation { inviteUsers(input: { addresses: "Ada Accept <ada.accept@e2e.test>", sendEmail: false }) { results { inviteLink user { id } } } }',
      )
    ).inviteUsers.results[0];
    ids.inviteLink = invited.inviteLink;
    ids.invitee = invited.user.id;
    await gql('mutation { createApiKey(input: { name: "Accessibility key", scopes: ["users:read"] }) { secret } }');
    ids.webhook = (
      await gql(
        'mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:9/a11y-hook", events: ["user.invited"] }) { endpoint { id } } }',
      )
    ).createWebhookEndpoint.endpoint.id;
    ids.integration = (
      await gql('mutation { createIntegration(input: { name: "Okta", type: SCIM }) { integration { id } } }')
    ).createIntegration.integration.id;
  });

  it('the skip link is the first thing Tab reaches, shows itself and moves focus to the main content', async () => {
    await page.goto('/users');
    await waitVisible(page.locator('tr[data-testid=user-row]'), 'the users', { page });
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    expect(box!.width, 'the focused skip link is visible').toBeGreaterThan(20);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');
    expect(pathOf()).toBe('/users');
  });

  it('checkboxes and row links show a focus ring when reached by keyboard', async () => {
    await page.goto('/users');
    const selectAll = page.getByRole('checkbox', { name: 'Select all users on this page' });
    await waitVisible(page.locator('tr[data-testid=user-row]'), 'the users', { page });
    await selectAll.focus();
    // From "Select all" Tab reaches the header's sort buttons, then the first row's checkbox and its link.
    const ring = (selector: string) =>
      page.evaluate((s) => {
        const el = document.activeElement as HTMLElement | null;
        if (!el?.matches(s)) return null;
        const style = getComputedStyle(el);
        return { focusVisible: el.matches(':focus-visible'), outline: `${style.outlineStyle} ${style.outlineWidth}` };
      }, selector);
    let checkbox: Awaited<ReturnType<typeof ring>> = null;
    let link: Awaited<ReturnType<typeof ring>> = null;
    for (let i = 0; i < 20 && !(checkbox && link); i++) {
      await page.keyboard.press('Tab');
      checkbox ??= await ring('tbody input[type=checkbox]');
      link ??= await ring('tbody a[data-testid=user-link]');
    }
    expect(checkbox).toEqual({ focusVisible: true, outline: 'solid 2px' });
    expect(link).toEqual({ focusVisible: true, outline: 'solid 2px' });
  });

  it('the dashboard pages', async () => {
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
      await check(address, title);
    }
  });

  it('the Users page with the detail drawer open, and the invite dialog', async () => {
    await page.goto(`/users?user=${ids.user}`);
    await waitVisible(page.getByTestId('user-panel-email'), 'the detail drawer', { page });
    await checkDialog('/users with the detail drawer', /.+/);
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.getByRole('dialog').count()) === 0, 'the drawer to close', { page });

    await page.getByRole('button', { name: 'Invite users' }).click();
    // With the group picker's list open.
    const dialog = page.getByRole('dialog', { name: 'Invite users' });
    await waitVisible(dialog, 'the invite dialog', { page });
    const groups = dialog.getByRole('combobox', { name: 'Groups' });
    if (await groups.count()) await groups.press('ArrowDown');
    await checkDialog('/users with the invite dialog', 'Invite users');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.getByRole('dialog').count()) === 0, 'the invite dialog to close', { page });
  });

  it('the integration wizard', async () => {
    await page.goto('/integrations');
    await page.getByRole('button', { name: /^Set up SCIM/ }).click();
    await checkDialog('/integrations with the SCIM wizard', /^Set up/);
    await page.keyboard.press('Escape');
  });

  it('an email opened in the dev mailbox', async () => {
    await page.goto('/dev/mailbox');
    const refresh = page.getByRole('button', { name: 'Refresh' });
    await waitFor(
      async () => {
        const count = await page.getByTestId('mailbox-item').count();
        if (count === 0 && (await refresh.isEnabled())) await refresh.click();
        return count > 0;
      },
      'an email in the dev mailbox',
      { page, interval: 250 },
    );
    await page.getByTestId('mailbox-item').first().click();
    await waitVisible(page.getByRole('heading', { level: 2 }), 'the opened email', { page });
    await check('/dev/mailbox with an email open', 'Dev mailbox');
  });

  it('the accept page of an invitation link, valid and withdrawn, opened by the invitee', async () => {
    const invitee = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    try {
      const own = await invitee.newPage();
      const swap = page;
      page = own;
      await page.goto(ids.inviteLink!);
      await check('the accept page', /invited you to join/);
      page = swap;
      await gql('mutation($i: UninviteUsersInput!) { uninviteUsers(input: $i) { results { ok } } }', { i: { userIds: [ids.invitee] } });
      page = own;
      await page.goto(ids.inviteLink!);
      await check('the accept page of a withdrawn link', 'This invitation was withdrawn');
      page = swap;
    } finally {
      await invitee.close();
    }
  });

  it('reports no serious or critical violation on any page', () => {
    expect(Object.keys(found).length, 'pages checked').toBeGreaterThanOrEqual(19);
    const problems = Object.entries(found).flatMap(([where, list]) => list.map((v) => `${where}: ${v}`));
    expect(problems, `axe found ${problems.length} serious or critical violations`).toEqual([]);
  });
});
