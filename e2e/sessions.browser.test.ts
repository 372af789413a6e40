import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

/**
 * One person signed in from two browsers (two contexts: two cookie jars). The first lists both sessions in Settings and
 * signs the other out; the other browser is sent to the sign-in page on its next action.
 */
describe.skipIf(!chromiumAvailable())('signed-in sessions in Settings (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const rows = (page: Page) => page.getByTestId('session-row');
  const devices = (page: Page) =>
    rows(page).evaluateAll((found) =>
      found.map((row) => ({
        device: row.querySelector('.sessions__device')?.textContent?.trim(),
        ip: row.querySelector('td:nth-child(2)')?.textContent?.trim(),
        thisDevice: !!row.querySelector('[data-testid=this-device]'),
      })),
    );

  async function signedInPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });
    return page;
  }

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-sessions-'));
    [product, browser] = await Promise.all([startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists both browsers, signs the other one out, and the other is sent to sign in on its next action', async () => {
    const laptop = await signedInPage();
    const other = await signedInPage();

    await laptop.goto('/settings');
    const listed = await waitForValue(
      () => devices(laptop),
      (found) => found.length === 2,
      'two sessions in Settings',
      { page: laptop },
    );
    // Headless chromium says it is Chrome on Linux; both came from this machine.
    expect(listed).toEqual([
      { device: 'Chrome on Linux', ip: '127.0.0.1', thisDevice: false },
      { device: 'Chrome on Linux', ip: '127.0.0.1', thisDevice: true },
    ]);
    expect(await laptop.getByTestId('this-device').innerText()).toBe('This device');

    // The other browser (newest sign-in, listed first) is the one without "This device".
    await rows(laptop).first().getByRole('button', { name: 'Sign out', exact: true }).click();
    await waitForValue(
      () => devices(laptop),
      (found) => found.length === 1 && found[0]!.thisDevice,
      'only this device left',
      { page: laptop },
    );
    expect((await laptop.getByTestId('sessions-status').innerText()).trim()).toBe('Signed out Chrome on Linux (127.0.0.1).');
    expect(await laptop.getByTestId('sign-out-everywhere').count()).toBe(0);

    // Its next action: the cookie no longer works, so it lands on the sign-in page (saying why) instead of an error.
    await other.getByRole('link', { name: 'Groups', exact: true }).click();
    await waitFor(() => pathOf(other) === '/sign-in', 'the other browser on the sign-in page', { page: other });
    await waitVisible(other.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form', { page: other });

    // The first browser is still signed in.
    await laptop.getByRole('link', { name: 'Groups', exact: true }).click();
    await waitFor(() => pathOf(laptop) === '/groups', 'the Groups page in the first browser', { page: laptop });
  });
});
