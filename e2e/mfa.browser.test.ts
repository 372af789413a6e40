import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

/** RFC 4648 base32, as authenticator apps read the secret. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 (SHA-1, 30 s, 6 digits), written here from the RFC so the test does not trust the server's library. */
function totp(secret: string, atMs = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const hmac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  return String((hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

describe.skipIf(!chromiumAvailable())('Multi-factor authentication in a real browser (built product)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pathOf = (p: Page) => new URL(p.url()).pathname;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-mfa-'));
    [product, browser] = await Promise.all([startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function enterPassword(): Promise<void> {
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  it('enrols an authenticator app from Settings with the shown secret, then signs in with the password and a code', async () => {
    // The demo admin has no MFA and the demo account does not require it: the password alone signs in.
    await enterPassword();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after the password alone', { page });

    await page.goto('/settings');
    await page.getByRole('link', { name: 'Multi-factor authentication' }).click();
    await waitFor(() => pathOf(page) === '/security/mfa', 'the MFA page', { page });
    await page.getByRole('button', { name: 'Add an authenticator app' }).click();
    const secretLocator = page.getByTestId('totp-secret');
    await waitVisible(secretLocator, 'the secret', { page });
    const secret = (await secretLocator.innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const qr = page.getByRole('img', { name: 'QR code of the authenticator secret' });
    await waitFor(
      async () => (await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)) === true,
      'the QR code drawn',
      {
        page,
      },
    );

    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    const codes = page.getByTestId('recovery-codes').locator('code');
    await waitFor(async () => (await codes.count()) === 10, 'ten recovery codes', { page });
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await waitVisible(page.getByText('Authenticator app', { exact: true }), 'the authenticator listed', { page });
    await waitVisible(page.getByText('10 unused recovery codes.'), 'the recovery codes count', { page });

    // A new browser sign-in: the password leads to the second factor, and nothing else opens until then.
    await context.clearCookies();
    await enterPassword();
    await waitFor(() => pathOf(page) === '/sign-in/verify', 'the second-factor page', { page });
    await page.goto('/companies');
    await waitFor(() => pathOf(page) === '/sign-in/verify', 'a dashboard page sends back to the second factor', { page });

    await page.getByLabel('Code', { exact: true }).fill('000000' === totp(secret, Date.now() + 30_000) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitVisible(page.getByText('That code is not right.', { exact: false }), 'a wrong code refused', { page });

    // The enrolment spent the current code; the app's next one is accepted (one step of drift is allowed).
    await page.getByLabel('Code', { exact: true }).fill(totp(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitFor(() => pathOf(page) === '/companies', 'the page asked for, after the code', { page });
    await waitVisible(page.getByRole('heading', { name: 'Companies' }), 'the Companies page', { page });
  });
});

describe.skipIf(!chromiumAvailable())("Passkeys in a real browser through Chromium's virtual authenticator (built product)", () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pathOf = (p: Page) => new URL(p.url()).pathname;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-passkeys-'));
    [product, browser] = await Promise.all([startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    // WebAuthn needs a secure context and the relying party is PUBLIC_URL's host: localhost is both.
    expect(new URL(product.url).hostname).toBe('localhost');
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers a passkey, then signs in with it alone (no email typed) and as the second factor after the password', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after the password alone', { page });

    await page.goto('/security/mfa');
    await page.getByLabel('Name of the passkey (optional)').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const codes = page.getByTestId('recovery-codes').locator('code');
    await waitFor(async () => (await codes.count()) === 10, 'ten recovery codes after the first factor', { page });
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await waitVisible(page.getByText('Test laptop', { exact: true }), 'the passkey listed by its name', { page });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('localhost');

    // The passkey is the whole sign-in.
    await context.clearCookies();
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after the passkey alone', { page });
    await waitVisible(page.getByText(product.demo!.email), 'the demo admin signed in', { page });

    // After the password, the passkey is the second factor.
    await context.clearCookies();
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
    await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/sign-in/verify', 'the second-factor page', { page });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after the passkey as second factor', { page });
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]!.signCount).toBeGreaterThan(credentials[0]!.signCount);
  });
});
