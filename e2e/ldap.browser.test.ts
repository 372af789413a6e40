import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectGuid } from '../packages/server/test/fakes/ldap-directory.js';
import { groupLdif, personLdif, Slapd, slapdAvailable } from '../packages/server/test/fakes/slapd.js';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

/** The directory's people live under their own mail domain, which the Users page searches for. */
const DOMAIN = 'ldap-e2e.test';
const PEOPLE = [
  { uid: 'ada', givenName: 'Ada', sn: 'Lovelace', enabled: true },
  { uid: 'alan', givenName: 'Alan', sn: 'Turing', enabled: true },
  { uid: 'grace', givenName: 'Grace', sn: 'Hopper', enabled: false },
] as const;
const INTEGRATION_NAME = 'Head office AD (browser test)';

interface Row {
  email: string;
  name: string;
  pending: string | null;
  suspended: string | null;
}

/**
 * Issue 13 end to end: an administrator sets up an LDAP / Active Directory integration in the dashboard's wizard
 * against a real slapd (StartTLS, trusting the test CA pasted into the certificate box), tests the connection,
 * saves, and starts a sync; a second tab already on the Users page sees the directory's people appear live, the
 * enabled ones pending their invitation and the AD-disabled one suspended.
 */
describe.skipIf(!chromiumAvailable() || !slapdAvailable())(
  'LDAP set up in the dashboard against a real slapd (built product, demo seed)',
  () => {
    let dataDir: string;
    let slapd: Slapd;
    let product: StartedProduct;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let usersTab: Page;
    const done = new Set<string>();

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-ldap-browser-'));
      const people = PEOPLE.map((p, i) =>
        personLdif(
          `uid=${p.uid},ou=people,dc=example,dc=org`,
          { uid: p.uid, givenName: p.givenName, sn: p.sn, displayName: `${p.givenName} ${p.sn}`, mail: `${p.uid}@${DOMAIN}` },
          { objectGuid: objectGuid(100 + i), userAccountControl: p.enabled ? 512 : 514 },
        ),
      ).join('');
      const group = groupLdif('cn=Pioneers,ou=groups,dc=example,dc=org', 'Pioneers', ['uid=ada,ou=people,dc=example,dc=org']);
      // The product runs with private networks allowed (slapd is on 127.0.0.1), as in development.
      [slapd, product, browser] = await Promise.all([
        new Slapd({ ldif: people + group }).start(),
        startBuiltProduct({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true', REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '' }, dataDir),
        launchChromium(),
      ]);
      expect(product.demo, product.output()).not.toBeNull();
      context = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await product?.stop();
      await slapd?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    function needs(...steps: string[]): void {
      const missing = steps.filter((s) => !done.has(s));
      if (missing.length) throw new Error(`Not run: this step needs the earlier step(s) ${missing.join(', ')}, which failed.`);
    }

    const pathOf = (p: Page) => new URL(p.url()).pathname;
    const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
    const wizard = () => page.locator('[role=dialog]').filter({ has: page.getByRole('heading', { name: /^Set up/ }) });

    /** The Users table's rows of the directory's domain, read by column header. */
    async function readRows(tab: Page): Promise<Row[]> {
      if ((await tab.locator('table.users-table:not([aria-busy=true])').count()) === 0) return [];
      return tab.locator('table.users-table').evaluate((table, domain) => {
        const headers = [...(table as HTMLTableElement).tHead!.rows[0]!.cells].map((th) => th.textContent!.trim());
        const name = headers.indexOf('Name');
        return [...table.querySelectorAll<HTMLTableRowElement>('tr[data-testid=user-row]')]
          .filter((row) => (row.dataset.email ?? '').endsWith(`@${domain}`))
          .map((row) => ({
            email: row.dataset.email ?? '',
            name: row.cells[name]!.innerText.trim(),
            pending: row.querySelector<HTMLElement>('[data-testid=badge-pending]')?.innerText.trim() ?? null,
            suspended: row.querySelector<HTMLElement>('[data-testid=badge-suspended]')?.innerText.trim() ?? null,
          }))
          .sort((a, b) => a.email.localeCompare(b.email));
      }, DOMAIN);
    }

    it('sets up an LDAP integration in the wizard (StartTLS, the CA pasted as PEM) and its connection test passes', async () => {
      await page.goto('/sign-in');
      await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
      await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });

      await nav('Integrations').click();
      const card = page.locator('[data-testid=integration-type][data-type=LDAP]');
      await waitVisible(card, 'the LDAP / Active Directory card among the available integrations', { page });
      expect(await card.getByRole('heading').innerText()).toBe('LDAP / Active Directory');
      await card.getByRole('button', { name: /^Set up/ }).click();
      await waitVisible(wizard(), 'the setup wizard', { page });
      expect((await wizard().getByRole('list', { name: 'Steps' }).innerText()).replace(/\s+/g, ' ').trim()).toBe(
        '1. Name 2. Credentials 3. Options 4. Test connection',
      );
      await wizard().getByLabel('Name', { exact: true }).fill(INTEGRATION_NAME);
      await wizard().getByRole('button', { name: 'Next', exact: true }).click();

      await wizard().getByLabel('Server URL').fill(slapd.url);
      await wizard().getByLabel('Bind DN').fill(slapd.bindDn);
      await wizard().getByLabel('Bind password').fill(slapd.bindPassword);
      expect(await wizard().getByLabel('Bind password').getAttribute('type')).toBe('password');
      await wizard().getByLabel('Base DN').fill(slapd.suffix);
      await wizard().getByLabel('Use StartTLS').selectOption('yes');
      const certificate = wizard().getByLabel('CA certificate');
      expect(await certificate.evaluate((el) => el.tagName)).toBe('TEXTAREA');
      await certificate.fill(slapd.certificates.ca);
      await wizard().getByRole('button', { name: 'Next', exact: true }).click();

      await wizard().getByLabel('Invite them at once').check();
      await wizard().getByLabel('Send invitation emails').setChecked(false);
      await wizard().getByRole('button', { name: 'Next', exact: true }).click();

      await wizard().getByRole('button', { name: 'Test connection', exact: true }).click();
      const result = wizard().getByTestId('test-result');
      await waitVisible(result, 'the connection test’s result', { page });
      const text = (await result.innerText()).replace(/\s+/g, ' ');
      expect(text).toContain('Connection works');
      expect(text).toContain(`Connected to ${slapd.url} as ${slapd.bindDn} (StartTLS); users are read under ${slapd.suffix}.`);

      await wizard().getByRole('button', { name: /^Save/ }).click();
      await waitFor(() => /^\/integrations\/[^/]+$/.test(pathOf(page)), 'the new integration’s page', { page });
      await waitVisible(page.getByRole('heading', { name: INTEGRATION_NAME, level: 1 }), 'the integration’s name as the heading', { page });
      done.add('setup');
    });

    it('a sync brings the directory’s people onto the open Users page live: pending invitations, the AD-disabled one suspended', async () => {
      needs('setup');
      usersTab = await context.newPage();
      usersTab.setDefaultTimeout(10_000);
      await usersTab.goto(`/users?q=${encodeURIComponent(DOMAIN)}`);
      await waitVisible(usersTab.getByText('No users match these filters'), 'no users of the directory’s domain yet', { page: usersTab });

      await page.getByTestId('sync-now').click();
      const rows = await waitForValue(
        () => readRows(usersTab),
        (r) => r.length === PEOPLE.length && r.every((row) => row.pending !== null || row.suspended !== null),
        'the directory’s people on the Users page (live, no reload)',
        { page: usersTab, timeout: 20_000 },
      );
      expect(rows.map((r) => [r.email, r.name])).toEqual(PEOPLE.map((p) => [`${p.uid}@${DOMAIN}`, `${p.givenName} ${p.sn}`]));
      for (const person of PEOPLE) {
        const row = rows.find((r) => r.email === `${person.uid}@${DOMAIN}`)!;
        if (person.enabled) expect(row).toMatchObject({ pending: 'Invitation pending', suspended: null });
        else expect(row.suspended).toBe('Suspended');
      }
      // The run finished: the integration's page says so.
      await waitFor(
        async () => (await page.locator('body').innerText()).includes('Succeeded'),
        'the sync run listed as Succeeded on the integration’s page',
        { page, timeout: 20_000 },
      );
    });
  },
);
