import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOidcProvider } from '../packages/server/test/fakes/oidc-provider.js';
import { chromiumAvailable, launchChromium, waitFor, waitVisible } from './browser.js';
import { freePort, graphql, signIn, startBuiltProduct, type StartedProduct } from './support.js';

describe.skipIf(!chromiumAvailable())('Single sign-on in a real browser (built product)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let provider: FakeOidcProvider;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pathOf = (p: Page) => new URL(p.url()).pathname;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-sso-'));
    const port = await freePort();
    const publicUrl = `http://localhost:${port}`;
    // A real OpenID provider in this process; the built product reaches it on 127.0.0.1, which only
    // OUTBOUND_ALLOW_PRIVATE_NETWORKS allows.
    provider = await FakeOidcProvider.start({
      clients: [{ clientId: 'roster-e2e', clientSecret: 'roster-e2e-secret', redirectUris: [`${publicUrl}/auth/sso/callback`] }],
      users: [{ login: 'olivia', email: 'admin@northwind-msp.test', name: 'Olivia Admin' }],
    });
    [product, browser] = await Promise.all([
      startBuiltProduct(
        { REDIS_URL: '', RESEND_API_KEY: '', PORT: String(port), PUBLIC_URL: publicUrl, OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true' },
        dataDir,
      ),
      launchChromium(),
    ]);
    expect(product.demo, product.output()).not.toBeNull();
    const cookie = await signIn(product.url, product.demo!.email, product.demo!.password);
    await graphql(
      product.url,
      cookie,
      `
        mutation ($input: SaveSsoConnectionInput!) {
          saveSsoConnection(input: $input) {
            issuer
          }
        }
      `,
      {
        input: {
          provider: 'CUSTOM',
          issuer: provider.issuer,
          clientId: 'roster-e2e',
          clientSecret: 'roster-e2e-secret',
          allowedDomains: ['northwind-msp.test'],
          ssoOnly: false,
        },
      },
    );
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    await provider?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("signs in through the provider's own login page and lands on the dashboard", async () => {
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await page.getByLabel('Work email or account name').fill('admin@northwind-msp.test');
    await page.getByRole('button', { name: 'Continue with SSO' }).click();

    // The provider's page (oidc-provider's development login form), on the provider's own origin.
    const login = page.locator('input[name="login"]');
    await waitVisible(login, "the provider's login form", { page });
    expect(new URL(page.url()).origin).toBe(new URL(provider.issuer).origin);
    await login.fill('olivia');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();

    await waitFor(() => pathOf(page) === '/users', 'the Users page after SSO', { page });
    await waitVisible(page.getByText('admin@northwind-msp.test').first(), 'the signed-in person', { page });
  });

  it('comes back to the sign-in page with a clear sentence when the provider signs in someone the account does not know', async () => {
    provider.setUser({ login: 'mallory', email: 'mallory@northwind-msp.test' });
    await context.clearCookies();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await page.getByLabel('Work email or account name').fill('mallory@northwind-msp.test');
    await page.getByRole('button', { name: 'Continue with SSO' }).click();
    await waitVisible(page.locator('input[name="login"]'), "the provider's login form", { page });
    await page.locator('input[name="login"]').fill('mallory');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await waitFor(() => pathOf(page) === '/sign-in', 'back on the sign-in page', { page });
    await expect(page.getByTestId('sso-error').innerText()).resolves.toContain('has no access to this MSP account');
  });
});
