import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeItGlue } from '../packages/server/test/fakes/it-glue.js';
import { chromiumAvailable, launchChromium, waitFor, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

const ORGANIZATION = 'Vault Browser Test Ltd';
const PASSWORD = 'Core-Router-E2E-7731!';

/**
 * Issue 16 end to end: an administrator sets up IT Glue in the dashboard's wizard against the fake IT Glue API, syncs,
 * opens the synced company's vault, reveals and copies a password (the page clears it later), and finds the reveal in
 * the audit log.
 */
describe.skipIf(!chromiumAvailable())('IT Glue passwords in a company vault (built product, demo seed)', () => {
  let dataDir: string;
  let itg: FakeItGlue;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const done = new Set<string>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-vault-browser-'));
    itg = await new FakeItGlue().start();
    const org = itg.addOrganization(ORGANIZATION);
    itg.addContact(org, 'Vera', 'Vault', 'vera@vault-e2e.test');
    itg.addPassword(org, 'Core router', PASSWORD, { username: 'admin', url: 'https://router.vault-e2e.test' });
    [product, browser] = await Promise.all([
      startBuiltProduct({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '' }, dataDir),
      launchChromium(),
    ]);
    expect(product.demo, product.output()).not.toBeNull();
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    await itg?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function needs(...steps: string[]): void {
    const missing = steps.filter((s) => !done.has(s));
    if (missing.length) throw new Error(`Not run: this step needs the earlier step(s) ${missing.join(', ')}, which failed.`);
  }
  const pathOf = (p: Page) => new URL(p.url()).pathname;
  const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
  const wizard = () => page.locator('[role=dialog]').filter({ has: page.getByRole('heading', { name: /^Set up/ }) });

  it('sets up IT Glue in the wizard and a sync succeeds', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });

    await nav('Integrations').click();
    const card = page.locator('[data-testid=integration-type][data-type=IT_GLUE]');
    await waitVisible(card, 'the IT Glue card among the available integrations', { page });
    await card.getByRole('button', { name: /^Set up/ }).click();
    await waitVisible(wizard(), 'the setup wizard', { page });
    await wizard().getByLabel('Name', { exact: true }).fill('IT Glue (browser test)');
    await wizard().getByRole('button', { name: 'Next', exact: true }).click();
    await wizard().getByLabel('Region').fill(itg.url);
    await wizard().getByLabel('API key').fill(itg.apiKey);
    expect(await wizard().getByLabel('API key').getAttribute('type')).toBe('password');
    await wizard().getByRole('button', { name: 'Next', exact: true }).click();
    await wizard().getByLabel('Send invitation emails').setChecked(false);
    await wizard().getByRole('button', { name: 'Next', exact: true }).click();
    await wizard().getByRole('button', { name: 'Test connection', exact: true }).click();
    const result = wizard().getByTestId('test-result');
    await waitVisible(result, 'the connection test’s result', { page });
    expect((await result.innerText()).replace(/\s+/g, ' ')).toContain('Connected to IT Glue (1 organization).');
    await wizard().getByRole('button', { name: /^Save/ }).click();
    await waitFor(() => /^\/integrations\/[^/]+$/.test(pathOf(page)), 'the new integration’s page', { page });

    await page.getByTestId('sync-now').click();
    await waitFor(
      async () => (await page.locator('body').innerText()).includes('Succeeded'),
      'the sync run listed as Succeeded on the integration’s page',
      { page, timeout: 20_000 },
    );
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
    done.add('sync');
  });

  it("opens the company's vault, reveals and copies the password, and the page clears it", async () => {
    needs('sync');
    await nav('Companies').click();
    const row = page.locator('[data-testid=company-row]').filter({ hasText: ORGANIZATION });
    await waitVisible(row, 'the synced company on the Companies page', { page });
    await row.getByRole('link', { name: 'Vault', exact: true }).click();
    await waitFor(() => /^\/companies\/[^/]+\/vault$/.test(pathOf(page)), 'the company’s vault page', { page });
    const item = page.locator('[data-testid=vault-row]').filter({ hasText: 'Core router' });
    await waitVisible(item, 'the synced password in the vault', { page });
    expect(await item.innerText()).toContain('admin');
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);

    await item.getByRole('button', { name: 'Reveal', exact: true }).click();
    await waitVisible(item.getByTestId('revealed-password'), 'the revealed password', { page });
    expect(await item.getByTestId('revealed-password').innerText()).toBe(PASSWORD);
    await item.getByRole('button', { name: 'Copy', exact: true }).click();
    await waitFor(async () => (await page.getByTestId('vault-status').innerText()) === 'Copied to the clipboard.', 'the copy confirmed', {
      page,
    });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(PASSWORD);
    done.add('reveal');
    // The page forgets the value by itself (20 seconds after the copy).
    await waitFor(async () => (await item.getByTestId('revealed-password').count()) === 0, 'the revealed password cleared from the page', {
      page,
      timeout: 40_000,
    });
    expect(await page.getByTestId('vault-status').innerText()).toContain('cleared');
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
  });

  it('lists the reveal in the audit log', async () => {
    needs('reveal');
    await page.goto('/audit');
    const rows = page.locator('[data-testid="audit-row"][data-action="vault.item_revealed"]');
    await waitVisible(rows.first(), 'the reveal in the audit log', { page });
    expect(await rows.count()).toBe(1);
    expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
  });
});
