import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { startBuiltProduct, type StartedProduct } from './support.js';

/** The identity provider's users live under their own domain, which the Users page searches for. */
const DOMAIN = 'scim-e2e.test';
const PUSHED = [
  { userName: `scimtest.ada@${DOMAIN}`, givenName: 'Ada', familyName: 'Okta', externalId: '00u1e2eada' },
  { userName: `scimtest.ben@${DOMAIN}`, givenName: 'Ben', familyName: 'Okta', externalId: '00u1e2eben' },
] as const;
/** The Users search finds the start of an email or a name: what the pushed users' addresses start with. */
const SEARCH = 'scimtest.';
const INTEGRATION_NAME = 'Okta (browser test)';
const COMPANY = 'Acme Robotics';
const GROUP = 'Field Engineers';

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Computed background colours of the badges (ui/Badge.vue): amber pending, grey suspended. */
const AMBER = 'rgb(254, 243, 199)';
const GREY = 'rgb(241, 243, 245)';

interface ScimAnswer {
  status: number;
  contentType: string;
  body: any;
}

/** One request to the SCIM endpoint as an identity provider makes it: bearer token, SCIM JSON. */
async function scimRequest(baseUrl: string, token: string, method: string, resource: string, body?: unknown): Promise<ScimAnswer> {
  const response = await fetch(`${baseUrl}${resource}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
}

/** `filter=userName eq "..."` the way Okta sends it before creating a user (with Okta's paging). */
const oktaLookup = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;

interface RowInfo {
  email: string;
  name: string;
  company: string;
  /** Every group name (the cell shows two and "+N"; its title lists them all). */
  groups: string;
  source: string;
  pendingBadge: string | null;
  pendingBackground: string | null;
  suspendedBadge: string | null;
  suspendedBackground: string | null;
}

/**
 * Issue 6 end to end, as an MSP administrator and an identity provider would live it: the admin sets up a SCIM
 * integration in the dashboard's wizard and copies its base URL and token; an IdP (this test process, speaking
 * Okta's requests) pushes two users, who appear on the open Users page as pending and from SCIM, then deactivates
 * one (grey "Suspended"); the admin creates a company and a group and assigns both users with the bulk actions;
 * finally "Rotate token" makes the copied token useless at once. One product, one tab; the steps run in order and
 * share what they found (the token, the base URL).
 */
describe.skipIf(!chromiumAvailable())(
  'SCIM set up in the dashboard, users pushed by an identity provider (built product, demo seed)',
  () => {
    let dataDir: string;
    let product: StartedProduct;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let baseUrl = '';
    let token = '';
    let integrationPath = '';
    const scimIds = new Map<string, string>();
    const done = new Set<string>();

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-integrations-browser-'));
      // Embedded SQLite, in-process live updates, dev mailbox; PUBLIC_URL unset, so the SCIM base URL is the server's own.
      [product, browser] = await Promise.all([
        startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '', SESSION_TTL_HOURS: '' }, dataDir),
        launchChromium(),
      ]);
      expect(product.demo, product.output()).not.toBeNull();
      // The Copy buttons write to the clipboard; the test reads it back as the admin's paste would.
      context = await browser.newContext({
        baseURL: product.url,
        viewport: { width: 1440, height: 900 },
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await product?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    function needs(...steps: string[]): void {
      const missing = steps.filter((s) => !done.has(s));
      if (missing.length)
        throw new Error(`Not run: this step needs the earlier step(s) ${missing.map((s) => `"${s}"`).join(', ')}, which failed.`);
    }

    const pathOf = () => new URL(page.url()).pathname;
    const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
    const dialog = (title: string | RegExp) =>
      page.locator('[role=dialog], [role=alertdialog]').filter({ has: page.getByRole('heading', { name: title }) });
    const rowOf = (email: string) => page.locator(`tr[data-testid=user-row][data-email="${email}"]`);

    /** Whether this tab is still the document signed in during step 1 (no reload, no full navigation since). */
    async function expectSameDocument(): Promise<void> {
      expect(
        await page.evaluate(() => (window as unknown as { __scimTestMarker?: number }).__scimTestMarker),
        'the marker set in step 1 (gone = the page was reloaded)',
      ).toBe(1);
    }

    /** Clicks a Copy button and returns what landed on the clipboard. */
    async function copyFrom(button: Locator): Promise<string> {
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await button.click();
      return waitForValue(
        () => page.evaluate(() => navigator.clipboard.readText()),
        (text) => text.length > 0,
        'the copied value on the clipboard',
        { page },
      );
    }

    /** The Users table's rows for the pushed users, read by column header (new columns do not break the test). */
    async function readPushedRows(): Promise<RowInfo[]> {
      if ((await page.locator('table.users-table:not([aria-busy=true])').count()) === 0) return [];
      return page.locator('table.users-table').evaluate((table, domain) => {
        const headers = [...(table as HTMLTableElement).tHead!.rows[0]!.cells].map((th) => th.textContent!.trim());
        const column = (name: string) => {
          const index = headers.indexOf(name);
          if (index < 0) throw new Error(`no "${name}" column in ${JSON.stringify(headers)}`);
          return index;
        };
        const [name, company, groups] = [column('Name'), column('Company'), column('Groups')];
        const badge = (row: Element, testid: string) => row.querySelector<HTMLElement>(`[data-testid=${testid}]`);
        return [...table.querySelectorAll<HTMLTableRowElement>('tr[data-testid=user-row]')]
          .filter((row) => (row.dataset.email ?? '').endsWith(`@${domain}`))
          .map((row) => {
            const pending = badge(row, 'badge-pending');
            const suspended = badge(row, 'badge-suspended');
            return {
              email: row.dataset.email ?? '',
              name: row.cells[name]!.innerText.trim(),
              company: row.cells[company]!.innerText.trim(),
              groups: row.cells[groups]!.title,
              source: badge(row, 'user-source')?.innerText.trim() ?? '',
              pendingBadge: pending?.innerText.trim() ?? null,
              pendingBackground: pending ? getComputedStyle(pending).backgroundColor : null,
              suspendedBadge: suspended?.innerText.trim() ?? null,
              suspendedBackground: suspended ? getComputedStyle(suspended).backgroundColor : null,
            };
          })
          .sort((a, b) => a.email.localeCompare(b.email));
      }, DOMAIN);
    }

    function waitForPushedRows(accept: (rows: RowInfo[]) => boolean, what: string, timeout = 10_000): Promise<RowInfo[]> {
      return waitForValue(readPushedRows, accept, what, { page, timeout });
    }

    /** Goes to the Users page through the navigation (same document) and searches for the pushed users. */
    async function openUsersSearch(): Promise<void> {
      await nav('Users').click();
      await waitFor(() => pathOf() === '/users', 'the Users page', { page });
      const search = page.getByLabel('Search users');
      await search.fill(SEARCH);
      await waitFor(() => new URL(page.url()).searchParams.get('q') === SEARCH, 'the search in the address', { page });
    }

    it('sets up a SCIM integration in the wizard (auto-invite, no emails) and shows the base URL and the token once, with Copy', async () => {
      await page.goto('/sign-in');
      await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
      await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitFor(() => pathOf() === '/users', 'the Users page after signing in', { page });
      await page.evaluate(() => ((window as unknown as { __scimTestMarker: number }).__scimTestMarker = 1));

      await nav('Integrations').click();
      await waitVisible(page.getByRole('heading', { name: 'Integrations', level: 1 }), 'the Integrations heading', { page });
      const scimCard = page.locator('[data-testid=integration-type][data-type=SCIM]');
      await waitVisible(scimCard, 'the SCIM card among the available integrations', { page });
      await scimCard.getByRole('button', { name: /^Set up/ }).click();

      const wizard = dialog(/^Set up/);
      await waitVisible(wizard, 'the setup wizard', { page });
      // SCIM has no credentials and nothing to test: the identity provider calls Roster.
      expect((await wizard.getByRole('list', { name: 'Steps' }).innerText()).replace(/\s+/g, ' ').trim()).toBe('1. Name 2. Options');
      await wizard.getByLabel('Name', { exact: true }).fill(INTEGRATION_NAME);
      await wizard.getByRole('button', { name: 'Next', exact: true }).click();

      await wizard.getByLabel('Invite them at once').check();
      const emails = wizard.getByLabel('Send invitation emails');
      // Every integration sends invitation emails unless turned off (issue 14 §3); this single sign-on tenant turns them
      // off, and the wizard warns what that means.
      expect(await emails.isChecked()).toBe(true);
      await emails.setChecked(false);
      await waitVisible(wizard.getByTestId('option-emails-warning'), 'the warning that nobody will be emailed', { page });
      await wizard.getByRole('button', { name: 'Save', exact: true }).click();

      const doneStep = wizard.getByTestId('wizard-done');
      await waitVisible(doneStep, 'the SCIM base URL and token after saving', { page });
      baseUrl = await wizard.getByLabel('SCIM base URL', { exact: true }).inputValue();
      const shownToken = await wizard.getByLabel('Bearer token', { exact: true }).inputValue();
      expect(baseUrl).toBe(`${new URL(product.url).protocol}//localhost:${new URL(product.url).port}/scim/v2`);
      expect(shownToken.length).toBeGreaterThanOrEqual(32);
      expect((await wizard.getByTestId('token-once-warning').innerText()).trim()).toMatch(
        /^Copy the token now: you will not see it again\./,
      );

      // The admin copies both with the buttons, as they would to paste them into Okta.
      expect(await copyFrom(wizard.getByRole('button', { name: 'Copy SCIM base URL' }))).toBe(baseUrl);
      token = await copyFrom(wizard.getByRole('button', { name: 'Copy Bearer token' }));
      expect(token).toBe(shownToken);
      await waitVisible(wizard.getByText('Bearer token copied to the clipboard.'), 'the "copied" confirmation', { page });

      await wizard.getByRole('button', { name: 'Done', exact: true }).click();
      await waitFor(() => /^\/integrations\/[^/]+$/.test(pathOf()), 'the new integration’s page', { page });
      integrationPath = pathOf();
      await waitVisible(page.getByRole('heading', { name: INTEGRATION_NAME, level: 1 }), 'the integration’s name as the heading', { page });
      // Afterwards the page shows the base URL and only the token's start, never the token.
      expect(await page.getByLabel('SCIM base URL', { exact: true }).inputValue()).toBe(baseUrl);
      const prefix = (await page.getByTestId('token-prefix').innerText()).trim();
      expect(prefix.length).toBeGreaterThan(0);
      expect(token.startsWith(prefix)).toBe(true);
      expect(prefix.length).toBeLessThan(token.length);
      expect(await page.getByTestId('scim-token').count()).toBe(0);
      expect(await page.locator('body').innerText()).not.toContain(token);
      const settings = page.getByTestId('settings');
      expect((await settings.innerText()).replace(/\s+/g, ' ')).toContain('New users Invited at once Invitation emails Not sent');

      // Listed among the configured integrations.
      await nav('Integrations').click();
      const row = page.locator(`tr[data-testid=integration-row][data-name="${INTEGRATION_NAME}"]`);
      await waitVisible(row, 'the integration in the configured list', { page });
      // Okta has not called yet: the list does not claim it is connected.
      expect((await row.getByTestId('integration-status').innerText()).trim()).toBe('Waiting for first request');
      await expectSameDocument();
      done.add('setup');
    });

    it('an identity provider pushes two users the way Okta does; the open Users page shows them, pending and from SCIM, without a reload', async () => {
      needs('setup');
      await openUsersSearch();
      await waitVisible(page.getByText('No users match these filters'), 'no users of the IdP’s domain yet', { page });

      for (const user of PUSHED) {
        // Okta looks the user up by userName first, then creates it.
        const lookup = await scimRequest(baseUrl, token, 'GET', oktaLookup(user.userName));
        expect(lookup.status, JSON.stringify(lookup.body)).toBe(200);
        expect(lookup.contentType).toMatch(/^application\/scim\+json/);
        expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });

        const created = await scimRequest(baseUrl, token, 'POST', '/Users', {
          schemas: [SCIM_USER],
          userName: user.userName,
          name: { givenName: user.givenName, familyName: user.familyName },
          emails: [{ primary: true, value: user.userName, type: 'work' }],
          displayName: `${user.givenName} ${user.familyName}`,
          externalId: user.externalId,
          active: true,
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        expect(created.body).toMatchObject({ userName: user.userName, active: true, externalId: user.externalId });
        scimIds.set(user.userName, created.body.id);

        // A second lookup now finds it: Okta would not create it twice.
        const again = await scimRequest(baseUrl, token, 'GET', oktaLookup(user.userName));
        expect(again.body).toMatchObject({ totalResults: 1, Resources: [{ id: created.body.id, userName: user.userName }] });
      }

      const rows = await waitForPushedRows((r) => r.length === 2, 'both pushed users on the Users page (live)');
      expect(rows).toEqual(
        PUSHED.map((user) => ({
          email: user.userName,
          name: `${user.givenName} ${user.familyName}`,
          company: '—',
          groups: '',
          source: 'SCIM',
          pendingBadge: 'Invitation pending',
          pendingBackground: AMBER,
          suspendedBadge: null,
          suspendedBackground: null,
        })),
      );
      expect(await rowOf(PUSHED[0].userName).getByTestId('user-source').getAttribute('title')).toBe(
        'Provisioned by an identity provider over SCIM',
      );
      await expectSameDocument();
      done.add('pushed');
    });

    it('Okta’s deactivation (a path-less replace of active) suspends one user: the grey "Suspended" badge, live', async () => {
      needs('pushed');
      await openUsersSearch();
      await waitForPushedRows((r) => r.length === 2, 'both pushed users');

      const [ada, ben] = PUSHED;
      const deactivated = await scimRequest(baseUrl, token, 'PATCH', `/Users/${scimIds.get(ben.userName)}`, {
        schemas: [SCIM_PATCH],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
      expect(deactivated.body).toMatchObject({ id: scimIds.get(ben.userName), userName: ben.userName, active: false });

      const rows = await waitForPushedRows(
        (r) => r.find((u) => u.email === ben.userName)?.suspendedBadge === 'Suspended',
        `the grey Suspended badge on ${ben.userName}`,
      );
      const [adaRow, benRow] = rows;
      expect(benRow).toMatchObject({ email: ben.userName, suspendedBadge: 'Suspended', suspendedBackground: GREY, source: 'SCIM' });
      expect(adaRow).toMatchObject({
        email: ada.userName,
        suspendedBadge: null,
        pendingBadge: 'Invitation pending',
        pendingBackground: AMBER,
      });

      // The status filter agrees.
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Suspended' });
      const suspended = await waitForPushedRows((r) => r.length === 1, 'only the suspended pushed user');
      expect(suspended[0]!.email).toBe(ben.userName);
      await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Any status' });
      await waitForPushedRows((r) => r.length === 2, 'both pushed users again');
      await expectSameDocument();
      done.add('suspended');
    });

    it('creates a company and a group on their pages', async () => {
      needs('setup');
      await nav('Companies').click();
      await waitVisible(page.getByRole('heading', { name: 'Companies', level: 1 }), 'the Companies page', { page });
      await page.getByRole('button', { name: 'New company', exact: true }).click();
      const newCompany = dialog('New company');
      await waitVisible(newCompany, 'the New company dialog', { page });
      await newCompany.getByLabel('Name', { exact: true }).fill(COMPANY);
      await newCompany.getByRole('button', { name: 'Create company', exact: true }).click();
      await waitFor(async () => (await newCompany.count()) === 0, 'the dialog to close after creating', { page });
      const companyRow = page.locator('tr[data-testid=company-row]', { has: page.getByRole('link', { name: COMPANY, exact: true }) });
      await waitVisible(companyRow, `${COMPANY} in the list`, { page });
      expect((await companyRow.locator('td.num').innerText()).trim()).toBe('0');

      await nav('Groups').click();
      await waitVisible(page.getByRole('heading', { name: 'Groups', level: 1 }), 'the Groups page', { page });
      await page.getByRole('button', { name: 'New group', exact: true }).click();
      const newGroup = dialog('New group');
      await waitVisible(newGroup, 'the New group dialog', { page });
      await newGroup.getByLabel('Name', { exact: true }).fill(GROUP);
      await newGroup.getByLabel('Description').fill('On-site technicians provisioned from Okta');
      await newGroup.getByRole('button', { name: 'Create group', exact: true }).click();
      await waitFor(async () => (await newGroup.count()) === 0, 'the dialog to close after creating', { page });
      const groupRow = page.locator('tr[data-testid=group-row]', { has: page.getByRole('link', { name: GROUP, exact: true }) });
      await waitVisible(groupRow, `${GROUP} in the list`, { page });
      expect(await groupRow.innerText()).toContain('On-site technicians provisioned from Okta');
      expect((await groupRow.locator('td.num').innerText()).trim()).toBe('0');
      await expectSameDocument();
      done.add('created');
    });

    it('assigns both pushed users to the company and the group with the bulk actions; the table and the pages show it', async () => {
      needs('pushed', 'created');
      await openUsersSearch();
      await waitForPushedRows((r) => r.length === 2, 'both pushed users');

      const selectBoth = async () => {
        for (const user of PUSHED) await page.getByLabel(`Select ${user.userName}`, { exact: true }).check();
        await waitVisible(page.getByTestId('bulk-bar').getByText('2 selected:'), 'the bulk bar for 2 users', { page });
      };

      await selectBoth();
      await page.getByRole('button', { name: 'Set company…', exact: true }).click();
      const setCompany = dialog('Set the company of 2 users');
      await waitVisible(setCompany, 'the Set company dialog', { page });
      // Companies are found by typing the start of the name into the searchable picker (the server searches).
      await setCompany.getByRole('combobox', { name: 'Company', exact: true }).fill(COMPANY);
      await waitFor(async () => (await setCompany.getByRole('option', { name: COMPANY }).count()) === 1, `${COMPANY} among the choices`, {
        page,
      });
      await setCompany.getByRole('option', { name: COMPANY }).click();
      await setCompany.getByRole('button', { name: 'Set company', exact: true }).click();
      await waitVisible(page.getByTestId('toast').filter({ hasText: `Moved 2 users to ${COMPANY}.` }), 'the company toast', { page });
      await waitForPushedRows((r) => r.length === 2 && r.every((u) => u.company === COMPANY), `${COMPANY} in both rows`);

      if ((await page.getByTestId('bulk-bar').count()) === 0) await selectBoth();
      await page.getByRole('button', { name: 'Add to group…', exact: true }).click();
      const addToGroup = dialog('Add 2 users to groups');
      await waitVisible(addToGroup, 'the Add to groups dialog', { page });
      // Groups are found by typing part of the name into the searchable multi-select.
      await addToGroup.getByRole('combobox', { name: 'Groups' }).fill(GROUP);
      await waitFor(async () => (await addToGroup.getByRole('option', { name: GROUP }).count()) === 1, `${GROUP} among the choices`, {
        page,
      });
      await addToGroup.getByRole('option', { name: GROUP }).click();
      await addToGroup.getByRole('button', { name: 'Add to groups', exact: true }).click();
      await waitVisible(page.getByTestId('toast').filter({ hasText: `Added 2 users to ${GROUP}.` }), 'the group toast', { page });

      const rows = await waitForPushedRows((r) => r.length === 2 && r.every((u) => u.groups === GROUP), `${GROUP} in both rows`);
      expect(rows.map((u) => ({ email: u.email, company: u.company, groups: u.groups }))).toEqual(
        PUSHED.map((u) => ({ email: u.userName, company: COMPANY, groups: GROUP })),
      );

      // The Users page's own filters find them by the new company and group.
      await page.getByLabel('Search users').fill('');
      for (const [label, name] of [
        ['Company', COMPANY],
        ['Group', GROUP],
      ] as const) {
        await page.getByRole('combobox', { name: label, exact: true }).fill(name);
        await page.getByRole('option', { name, exact: true }).click();
      }
      const filtered = await waitForValue(
        () => page.locator('tr[data-testid=user-row]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.email).sort()),
        (emails) => emails.length === 2 && emails.every((e) => e?.endsWith(`@${DOMAIN}`)),
        `only the two users in ${COMPANY} and ${GROUP}`,
        { page },
      );
      expect(filtered).toEqual(PUSHED.map((u) => u.userName));

      // The Companies and Groups pages count them; their links lead back to the filtered Users page.
      await nav('Companies').click();
      const companyRow = page.locator('tr[data-testid=company-row]', { has: page.getByRole('link', { name: COMPANY, exact: true }) });
      await waitFor(async () => (await companyRow.locator('td.num').innerText()).trim() === '2', `${COMPANY} counting 2 users`, { page });
      await nav('Groups').click();
      const groupRow = page.locator('tr[data-testid=group-row]', { has: page.getByRole('link', { name: GROUP, exact: true }) });
      await waitFor(async () => (await groupRow.locator('td.num').innerText()).trim() === '2', `${GROUP} counting 2 users`, { page });
      await groupRow.getByRole('link', { name: GROUP, exact: true }).click();
      await waitFor(() => pathOf() === '/users' && new URL(page.url()).searchParams.has('group'), 'the Users page filtered by the group', {
        page,
      });
      await waitForPushedRows((r) => r.length === 2, 'the group’s two members');
      expect(await page.locator('tr[data-testid=user-row]').count()).toBe(2);
      await expectSameDocument();
      done.add('assigned');
    });

    it('"Rotate token" shows a new token once; the copied one is refused at once (401, SCIM error), the new one works', async () => {
      needs('pushed');
      const before = await scimRequest(baseUrl, token, 'GET', '/Users?startIndex=1&count=10');
      expect(before.status).toBe(200);

      await nav('Integrations').click();
      await page
        .locator(`tr[data-testid=integration-row][data-name="${INTEGRATION_NAME}"]`)
        .getByRole('link', { name: INTEGRATION_NAME, exact: true })
        .click();
      await waitFor(() => pathOf() === integrationPath, 'the integration’s page', { page });
      // The identity provider has called: the page says when, and what it did (two users created, one deactivated).
      const activity = page.getByTestId('scim-activity');
      await waitVisible(activity.getByTestId('scim-last-request'), 'the last SCIM request time', { page });
      expect((await page.getByTestId('integration-status').innerText()).trim()).toBe('Connected');
      const kinds = await waitForValue(
        async () => (await activity.getByTestId('scim-activity-item').locator('.badge').allInnerTexts()).map((k) => k.trim()),
        (found) => found.length >= 3,
        'the SCIM activity list',
        { page },
      );
      expect(kinds.filter((k) => k === 'Created')).toHaveLength(2);
      expect(kinds).toContain('Deactivated');
      await page.getByRole('button', { name: 'Rotate token', exact: true }).click();
      const confirm = dialog('Rotate the SCIM token');
      await waitVisible(confirm, 'the rotation confirmation', { page });
      expect(await confirm.innerText()).toContain('The current one stops working at once');
      await confirm.getByRole('button', { name: 'Rotate token', exact: true }).click();

      const shown = dialog('New SCIM token');
      await waitVisible(shown, 'the new token dialog', { page });
      const newToken = await copyFrom(shown.getByRole('button', { name: 'Copy Bearer token' }));
      expect(newToken).toBe(await shown.getByLabel('Bearer token', { exact: true }).inputValue());
      expect(newToken).not.toBe(token);
      await shown.getByRole('button', { name: 'I have copied it', exact: true }).click();
      await waitFor(async () => (await shown.count()) === 0, 'the token dialog to close', { page });
      expect(newToken.startsWith((await page.getByTestId('token-prefix').innerText()).trim())).toBe(true);
      expect(await page.locator('body').innerText()).not.toContain(newToken);

      // The identity provider still holding the old token is refused, with the SCIM error body.
      const refused = await scimRequest(baseUrl, token, 'GET', oktaLookup(PUSHED[0].userName));
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ schemas: [SCIM_ERROR], status: '401' });
      const refusedWrite = await scimRequest(baseUrl, token, 'POST', '/Users', {
        schemas: [SCIM_USER],
        userName: `late.okta@${DOMAIN}`,
        emails: [{ primary: true, value: `late.okta@${DOMAIN}`, type: 'work' }],
        active: true,
      });
      expect(refusedWrite.status).toBe(401);

      // With the new token the same directory answers.
      const withNew = await scimRequest(baseUrl, newToken, 'GET', oktaLookup(PUSHED[0].userName));
      expect(withNew.status).toBe(200);
      expect(withNew.body).toMatchObject({
        totalResults: 1,
        Resources: [{ id: scimIds.get(PUSHED[0].userName), userName: PUSHED[0].userName }],
      });
      const lateLookup = await scimRequest(baseUrl, newToken, 'GET', oktaLookup(`late.okta@${DOMAIN}`));
      expect(lateLookup.body.totalResults, 'the refused POST created nobody').toBe(0);
      await expectSameDocument();
    });

    it('sent no invitation email to the pushed users (the integration says "no emails")', async () => {
      needs('pushed');
      // By now (several steps later) the outbox worker, which delivers within about a second, would have sent them.
      await page.getByRole('link', { name: 'Dev mailbox', exact: true }).click();
      await waitFor(() => pathOf() === '/dev/mailbox', 'the Dev mailbox page', { page });
      await waitVisible(page.getByRole('heading', { name: 'Dev mailbox', level: 1 }), 'the Dev mailbox heading', { page });
      const refresh = page.getByRole('button', { name: 'Refresh' });
      await waitFor(() => refresh.isEnabled(), 'the mailbox to load', { page });
      await refresh.click();
      await waitFor(() => refresh.isEnabled(), 'the mailbox to refresh', { page });
      const recipients = await page
        .getByTestId('mailbox-item')
        .evaluateAll((items) => items.map((i) => i.querySelector('.mailbox__to')?.textContent?.trim() ?? ''));
      expect(recipients.filter((to) => to.endsWith(`@${DOMAIN}`))).toEqual([]);
    });
  },
);
