import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitVisible } from './browser.js';
import { signIn, startBuiltProduct, type StartedProduct } from './support.js';

/** Waits until `check` stops throwing (browser.ts's waitFor wants a boolean). */
const eventually = (check: () => unknown, what: string, timeout = 10_000) =>
  waitFor(
    async () => {
      await check();
      return true;
    },
    what,
    { timeout },
  );

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on this machine (the product runs with OUTBOUND_ALLOW_PRIVATE_NETWORKS=true, as in development). */
function startReceiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hooks/roster`, received, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

describe.skipIf(!chromiumAvailable())('Settings and the audit log in a real browser (built product)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-settings-'));
    receiver = await startReceiver();
    [product, browser] = await Promise.all([
      startBuiltProduct({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', REDIS_URL: '' }, dataDir),
      launchChromium(),
    ]);
    expect(product.demo, product.output()).not.toBeNull();
    const cookie = await signIn(product.url, product.demo!.email, product.demo!.password);
    context = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: product.url }]);
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await product?.stop();
    await receiver?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const callWithKey = (key: string) =>
    fetch(`${product.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ users(page: { first: 1 }) { totalCount } }' }),
    });

  it('creates an API key whose secret is shown once and works, then revokes it', async () => {
    await page.goto('/settings/api-keys');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const form = page.getByRole('dialog', { name: 'Create API key' });
    await form.getByLabel('Name', { exact: true }).fill('Browser test key');
    await form.getByRole('checkbox', { name: /users:read/ }).check();
    await form.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByRole('dialog', { name: 'API key created: Browser test key' });
    await waitVisible(shown, 'the new key dialog');
    const secret = await shown.getByLabel('API key').inputValue();
    expect(secret).toMatch(/^rst_[0-9a-f]{12}_/);
    expect(await shown.getByTestId('api-key-usage').textContent()).toContain(`Bearer ${secret}`);
    const used = await callWithKey(secret);
    expect(((await used.json()) as any).data.users.totalCount).toBeGreaterThan(0);

    await shown.getByRole('button', { name: 'Done' }).click();
    await eventually(async () => expect(await page.content()).not.toContain(secret), 'the secret gone from the page');
    const row = page.locator('[data-testid="api-key-row"][data-name="Browser test key"]');
    expect(await row.locator('code').first().textContent()).toBe(`${secret.slice(0, 16)}_…`);

    await row.getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('alertdialog');
    expect(await confirm.textContent()).toContain('stop working at once');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await eventually(async () => expect(await row.getByTestId('api-key-status').textContent()).toBe('Revoked'), 'the key shown revoked');
    expect((await callWithKey(secret)).status).toBe(401);
  }, 60_000);

  it('registers a webhook endpoint, sends a signed test delivery and lists it with its answer', async () => {
    await page.goto('/settings/webhooks');
    await page.getByRole('button', { name: 'New endpoint' }).click();
    const form = page.getByRole('dialog', { name: 'New webhook endpoint' });
    await form.getByLabel('Endpoint URL').fill(receiver.url);
    await form.getByRole('checkbox', { name: /user\.invited/ }).check();
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const shown = page.getByRole('dialog', { name: `Endpoint created: ${receiver.url}` });
    await waitVisible(shown, 'the signing secret dialog');
    const secret = await shown.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^rwhsec_/);
    await shown.getByRole('button', { name: 'Done' }).click();

    const row = page.locator(`[data-testid="endpoint-row"][data-url="${receiver.url}"]`);
    await row.getByRole('button', { name: 'Send test' }).click();
    await eventually(() => expect(receiver.received).toHaveLength(1), 'the test delivery at the receiver', 15_000);
    const { headers, body } = receiver.received[0]!;
    const expected =
      'v1=' +
      createHmac('sha256', secret).update(`${headers['roster-webhook-id']}.${headers['roster-webhook-timestamp']}.${body}`).digest('hex');
    expect(headers['roster-webhook-signature']).toBe(expected);
    // The list reads each endpoint's last delivery with the endpoints: after a reload, the test's answer.
    await eventually(
      async () => {
        await page.reload();
        const last = await row.getByTestId('last-delivery').textContent();
        expect(last).toContain('Succeeded');
        expect(last).toContain('HTTP 200');
      },
      'the last delivery shown succeeded in the list',
      15_000,
    );

    await row.getByRole('link', { name: 'Deliveries' }).click();
    const delivery = page.locator('[data-testid="delivery-row"]').first();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        expect(await delivery.locator('td').nth(1).textContent()).toBe('Succeeded');
      },
      'the delivery shown succeeded',
      15_000,
    );
    expect(await delivery.locator('td').nth(2).textContent()).toBe('HTTP 200');
    await delivery.getByRole('button', { name: 'View' }).click();
    const details = page.getByRole('dialog', { name: 'Delivery of webhook.test' });
    expect(await details.getByTestId('delivery-payload').textContent()).toContain('"type": "webhook.test"');
    expect(await details.getByTestId('delivery-response').textContent()).toBe('{"received":true}');
    await details.getByRole('button', { name: 'Re-send' }).click();
    await eventually(() => expect(receiver.received).toHaveLength(2), 'the re-sent delivery at the receiver', 15_000);
    expect(receiver.received[1]!.headers['roster-webhook-id']).toBe(headers['roster-webhook-id']);
  }, 60_000);

  it('shows those changes in the audit log, filters them, and exports the same filter as CSV', async () => {
    await page.goto('/audit');
    const rows = page.locator('[data-testid="audit-row"]');
    await eventually(async () => expect(await rows.count()).toBeGreaterThan(3), 'the audit rows');
    const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    // Newest first: the re-send came last.
    expect(actions[0]).toBe('webhook.redelivered');
    expect(actions).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.revoked', 'webhook.endpoint_created', 'webhook.test_sent']),
    );

    await page.getByLabel('Action', { exact: true }).fill('api_key.revoked');
    await page.getByLabel('Action', { exact: true }).press('Enter');
    await eventually(
      async () => expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).toEqual(['api_key.revoked']),
      'only the revocation',
    );
    const who = await rows.first().locator('td').nth(1).textContent();
    expect(who).toContain('Person');
    expect(await rows.first().locator('td').nth(5).textContent()).toContain('name: Browser test key');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toContain('time,action,actor_type');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('api_key.revoked');
  }, 60_000);
});
