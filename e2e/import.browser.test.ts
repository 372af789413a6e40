import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { signIn, startBuiltProduct, type StartedProduct } from './support.js';

/** The result CSV says outcomes in the page's words, not enum codes. */
const OUTCOME_WORDS: Record<string, string> = {
  INVITED: 'Invited',
  ALREADY_MEMBER: 'Already a member',
  ALREADY_INVITED: 'Already invited',
  INVALID: 'Invalid',
  DUPLICATE: 'Duplicate',
};

const DOMAIN = 'e2e-import.test';
const FILE_NAME = 'northwind-clients.csv';
const FORMULA_NAME = '=HYPERLINK("x")';
const ADMIN_NAME = 'Alex Morgan';

/**
 * The file the admin imports: five new people, then one bad row of each kind. Line numbers are those of the
 * file (the header is line 1; line 6 is empty and is skipped, not a row).
 */
const CSV_LINES = [
  'email,name,role,company,groups',
  `ann.import@${DOMAIN},Ann Import,Member,Contoso Ltd,Helpdesk`, // 2: existing company and group
  `bo.import@${DOMAIN},Bo Import,,Brand New Co,`, // 3: a company that does not exist yet
  `cy.import@${DOMAIN},Cy Import,,,Helpdesk;NewGroup`, // 4: one known, one new group
  'not-an-email,Broken Row,,,', // 5: invalid
  '', // 6: empty line
  `dee.import@${DOMAIN},"Import, Dee",Administrator,,`, // 7: quoted name with a comma
  `ANN.IMPORT@${DOMAIN},Ann Again,,,`, // 8: duplicate of line 2 in another letter case
  'jo.chen@contoso.test,Jo Chen,,,', // 9: already a member (demo seed)
  `eve.import@${DOMAIN},"${FORMULA_NAME.replace(/"/g, '""')}",,,`, // 10: formula-looking name
];
const CSV = CSV_LINES.join('\n') + '\n';
const NEW_EMAILS = ['ann', 'bo', 'cy', 'dee', 'eve'].map((n) => `${n}.import@${DOMAIN}`);

/** The verdict and reason expected for each line of the file in the preview. */
const EXPECTED_PREVIEW: Array<{ line: number; email: string; verdict: string; reason: string | RegExp }> = [
  { line: 2, email: `ann.import@${DOMAIN}`, verdict: 'NEW', reason: '' },
  { line: 3, email: `bo.import@${DOMAIN}`, verdict: 'NEW', reason: '' },
  { line: 4, email: `cy.import@${DOMAIN}`, verdict: 'NEW', reason: '' },
  { line: 5, email: 'not-an-email', verdict: 'INVALID', reason: /^Line 5: "not-an-email" is not a valid email/ },
  { line: 7, email: `dee.import@${DOMAIN}`, verdict: 'NEW', reason: '' },
  { line: 8, email: `ann.import@${DOMAIN}`, verdict: 'DUPLICATE', reason: `Line 8: ann.import@${DOMAIN} appears earlier in the file.` },
  { line: 9, email: 'jo.chen@contoso.test', verdict: 'ALREADY_MEMBER', reason: 'Already a member of this account.' },
  { line: 10, email: `eve.import@${DOMAIN}`, verdict: 'NEW', reason: '' },
];

/** A small RFC 4180 reader (quotes, doubled quotes, CRLF), enough to read the result file back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(cell), (cell = ''));
    else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

interface PreviewRow {
  line: number;
  verdict: string;
  email: string;
  name: string;
  reason: string;
}

interface UserRow {
  email: string;
  name: string;
  company: string;
  groups: string;
  pending: boolean;
  admin: boolean;
}

/**
 * The CSV import as an admin meets it, in one product start and one chromium: upload a file with good and
 * bad rows, read the preview, run the import, follow its progress, download the result, find the invited
 * people on the Users page and the import among past imports. Then the two ways a file can fail to map.
 */
describe.skipIf(!chromiumAvailable())('importing users from a CSV file in a real browser (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let demo: { email: string; password: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-import-'));
    [product, browser] = await Promise.all([startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '' }, dataDir), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    demo = product.demo!;
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  const pathOf = (page: Page) => new URL(page.url()).pathname;

  /** Chooses a file in the "CSV file" input, as a person picking it in the file dialog. */
  async function chooseFile(page: Page, name: string, content: string): Promise<void> {
    const input = page.getByLabel('CSV file', { exact: true });
    await waitVisible(input, 'the "CSV file" input', { page });
    expect(await input.getAttribute('type')).toBe('file');
    await input.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
  }

  /** Waits for the preview of a just-uploaded file (its rows table, settled). */
  async function waitForPreview(page: Page, fileName: string): Promise<void> {
    await waitFor(() => /^\/users\/import\/[^/]+$/.test(pathOf(page)), `the preview address after uploading ${fileName}`, { page });
    await waitVisible(
      page.locator('[data-testid=import-rows]:not([aria-busy=true]) [data-testid=import-row]'),
      `the preview rows of ${fileName}`,
      { page },
    );
    expect((await page.getByTestId('import-subtitle').innerText()).trim()).toMatch(
      new RegExp(`^${fileName.replace(/\./g, '\\.')} · uploaded `),
    );
  }

  /** The total shown on each verdict chip, by verdict. */
  function readChips(page: Page): Promise<Record<string, number>> {
    return page
      .getByTestId('verdict-chip')
      .evaluateAll((chips) =>
        Object.fromEntries(
          chips.map((c) => [(c as HTMLElement).dataset.verdict!, Number(c.querySelector('.chip__count')!.textContent!.replace(/,/g, ''))]),
        ),
      );
  }

  function readPreviewRows(page: Page): Promise<PreviewRow[]> {
    return page.getByTestId('import-row').evaluateAll((rows) =>
      rows.map((r) => {
        const cells = (r as HTMLTableRowElement).cells;
        return {
          line: Number((r as HTMLElement).dataset.line),
          verdict: (r as HTMLElement).dataset.verdict ?? '',
          email: cells[1]!.innerText.trim(),
          name: cells[2]!.innerText.trim(),
          reason: r.querySelector('[data-testid=row-reason]')!.textContent!.trim(),
        };
      }),
    );
  }

  function readUserRows(page: Page): Promise<UserRow[]> {
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
        groups: row.cells[groups]!.title || row.cells[groups]!.innerText.trim(),
        pending: row.querySelector('[data-testid=badge-pending]') !== null,
        admin: row.querySelector('[data-testid=badge-admin]') !== null,
      }));
    });
  }

  const chip = (page: Page, verdict: string): Locator => page.locator(`[data-testid=verdict-chip][data-verdict=${verdict}]`);

  it('uploads a file with good and bad rows, previews it, imports it with live progress, and offers the result', async () => {
    const page = await newPage();

    // Sign in and open the import page from the Users page.
    await page.goto('/sign-in');
    await page.getByLabel('Email', { exact: true }).fill(demo.email);
    await page.getByLabel('Password', { exact: true }).fill(demo.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after signing in', { page });
    await page.getByRole('button', { name: 'Import CSV', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users/import', 'the import page after "Import CSV"', { page });
    await waitVisible(page.getByRole('heading', { name: 'Import users', level: 1 }), 'the "Import users" heading', { page });

    // The preview: a total per verdict, each row with its verdict and reason, the unknown names.
    await chooseFile(page, FILE_NAME, CSV);
    await waitForPreview(page, FILE_NAME);
    const chips = await readChips(page);
    expect(chips, 'the totals per verdict').toEqual({ ALL: 8, NEW: 5, ALREADY_MEMBER: 1, ALREADY_INVITED: 0, INVALID: 1, DUPLICATE: 1 });
    expect((await page.getByTestId('detected-delimiter').innerText()).trim()).toBe('Delimiter: Comma (,)');
    expect((await page.getByTestId('detected-header').innerText()).trim()).toBe('Header row: yes');

    const rows = await readPreviewRows(page);
    expect(
      rows.map(({ line, email, verdict }) => ({ line, email, verdict })),
      'the preview rows (the empty line 6 is not a row)',
    ).toEqual(EXPECTED_PREVIEW.map(({ line, email, verdict }) => ({ line, email, verdict })));
    for (const expected of EXPECTED_PREVIEW) {
      const reason = rows.find((r) => r.line === expected.line)!.reason;
      if (expected.reason instanceof RegExp) expect(reason, `the reason of line ${expected.line}`).toMatch(expected.reason);
      else expect(reason, `the reason of line ${expected.line}`).toBe(expected.reason);
    }
    expect(rows.find((r) => r.line === 7)!.name, 'the quoted name with a comma').toBe('Import, Dee');
    expect(rows.find((r) => r.line === 10)!.name, 'the formula-looking name, shown as text').toBe(FORMULA_NAME);
    const invalidBadge = page.locator('[data-testid=import-row][data-line="5"] [data-testid=row-verdict]');
    expect((await invalidBadge.innerText()).trim()).toBe('Invalid');
    expect(await invalidBadge.getAttribute('class')).toContain('badge--red');
    expect((await page.getByTestId('unknown-companies').innerText()).trim()).toBe('Brand New Co');
    expect((await page.getByTestId('unknown-groups').innerText()).trim()).toBe('NewGroup');

    // A verdict chip filters the rows.
    await chip(page, 'INVALID').click();
    await waitForValue(
      () => readPreviewRows(page),
      (r) => r.length === 1 && r[0]!.line === 5,
      'only the invalid row after clicking its total',
      { page },
    );
    expect(await chip(page, 'INVALID').getAttribute('aria-pressed')).toBe('true');
    await chip(page, 'ALL').click();
    await waitForValue(
      () => readPreviewRows(page),
      (r) => r.length === 8,
      'all rows again',
      { page },
    );

    // Options: create unknown companies (and groups), send emails; then start.
    const companies = page.getByRole('radiogroup', { name: 'Unknown companies' });
    await companies.getByLabel('Create them').check();
    expect(await companies.getByLabel('Create them').isChecked()).toBe(true);
    expect(await page.getByRole('radiogroup', { name: 'Unknown groups' }).getByLabel('Create them').isChecked()).toBe(true);
    expect(await page.getByLabel('Send invitation emails').isChecked()).toBe(true);
    const start = page.getByRole('button', { name: /^Import / });
    expect((await start.innerText()).trim()).toBe('Import 5 users');
    expect(await start.isEnabled()).toBe(true);
    await start.click();

    // The progress bar moves forward only and reaches 100 %, then the finished view.
    const bar = page.getByTestId('import-progress');
    await waitVisible(bar, 'the import progress bar', { page });
    expect(await bar.getAttribute('role')).toBe('progressbar');
    const seen: number[] = [];
    await waitFor(
      async () => {
        const now = Number(await bar.getAttribute('aria-valuenow'));
        if (seen.at(-1) !== now) seen.push(now);
        return now === 100 && (await page.getByRole('heading', { name: 'Import finished' }).isVisible());
      },
      'the progress bar at 100 % and "Import finished"',
      { page, timeout: 20_000 },
    );
    expect(seen, 'the progress values seen, in order').toEqual([...seen].sort((a, b) => a - b));
    expect(await bar.getAttribute('aria-label')).toBe('Import complete');
    expect((await page.getByTestId('import-counts').innerText()).trim()).toBe('8 of 8 rows processed (100%)');
    expect((await page.getByTestId('import-summary').innerText()).trim()).toBe('5 users invited.');
    const outcomes = await page
      .getByTestId('outcome-total')
      .evaluateAll((items) =>
        Object.fromEntries(
          items.map((i) => [(i as HTMLElement).dataset.outcome!, Number(i.querySelector('.outcome__count')!.textContent)]),
        ),
      );
    expect(outcomes, 'the outcome totals').toEqual({ INVITED: 5, ALREADY_MEMBER: 1, ALREADY_INVITED: 0, INVALID: 1, DUPLICATE: 1 });

    // The result file: one line per row of the input, with its outcome; formulas defused.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download result CSV' }).click()]);
    expect(await download.failure()).toBeNull();
    expect(download.suggestedFilename()).toBe('northwind-clients-result.csv');
    const resultText = fs.readFileSync((await download.path())!, 'utf8');
    expect(resultText.startsWith('\uFEFF'), 'the result starts with a UTF-8 BOM (for spreadsheets)').toBe(true);
    const [header, ...lines] = parseCsv(resultText.replace(/^\uFEFF/, ''));
    expect(header).toEqual(['line', 'email', 'name', 'role', 'company', 'groups', 'verdict', 'outcome', 'reason']);
    const col = (name: string) => header!.indexOf(name);
    const result = lines.map((cells) => ({
      line: Number(cells[col('line')]),
      email: cells[col('email')],
      name: cells[col('name')],
      verdict: cells[col('verdict')],
      outcome: cells[col('outcome')],
      reason: cells[col('reason')],
    }));
    expect(
      result.map(({ line, email, outcome }) => ({ line, email, outcome })),
      `one result line per input row:\n${resultText}`,
    ).toEqual(
      EXPECTED_PREVIEW.map(({ line, email, verdict }) => ({
        line,
        email,
        outcome: OUTCOME_WORDS[verdict === 'NEW' ? 'INVITED' : verdict],
      })),
    );
    expect(result.find((r) => r.line === 5)!.reason).toMatch(/^Line 5: /);
    expect(result.find((r) => r.line === 7)!.name).toBe('Import, Dee');
    const formula = result.find((r) => r.line === 10)!.name!;
    expect(formula, 'the formula cell, neutralised').toBe(`'${FORMULA_NAME}`);
    // No cell of the file may start as a formula once a spreadsheet opens it.
    for (const cells of lines) for (const cell of cells) expect(cell, `a result cell`).not.toMatch(/^[=+@]/);

    // Back on the Users page, the imported people are listed with the amber "Invitation pending" badge.
    await page.getByTestId('back-to-users').click();
    await waitFor(() => pathOf(page) === '/users', 'the Users page after "Back to users"', { page });
    const search = page.getByLabel('Search users');
    await search.fill('');
    await search.pressSequentially(DOMAIN, { delay: 10 });
    const users = await waitForValue(
      async () => ((await page.locator('table.users-table:not([aria-busy=true])').count()) === 0 ? [] : readUserRows(page)),
      (r) => r.length === NEW_EMAILS.length && r.every((u) => u.email.endsWith(`@${DOMAIN}`)),
      `the ${NEW_EMAILS.length} imported users when searching "${DOMAIN}"`,
      { page },
    );
    expect(users.map((u) => u.email).sort()).toEqual([...NEW_EMAILS].sort());
    for (const user of users) expect(user.pending, `the pending badge of ${user.email}`).toBe(true);
    const byEmail = (e: string) => users.find((u) => u.email === e)!;
    expect(byEmail(`ann.import@${DOMAIN}`)).toMatchObject({ name: 'Ann Import', admin: false });
    expect(byEmail(`dee.import@${DOMAIN}`)).toMatchObject({ name: 'Import, Dee', admin: true });
    // The unknown company and group were created ("Create them"): the filters' searchable pickers offer them.
    const offered = async (label: string, list: string, typed: string) => {
      const box = page.getByRole('combobox', { name: label, exact: true });
      await box.click();
      await box.fill(typed);
      const names = await page.getByRole('listbox', { name: list }).getByRole('option').allInnerTexts();
      await box.press('Escape');
      return names.map((name) => name.trim());
    };
    await waitForValue(
      () => offered('Company', 'Companies', 'Brand'),
      (o) => o.includes('Brand New Co'),
      'the created company "Brand New Co" in the Company filter',
      { page },
    );
    await waitForValue(
      () => offered('Group', 'Groups', 'NewG'),
      (o) => o.includes('NewGroup'),
      'the created group "NewGroup" in the Group filter',
      { page },
    );
    expect(byEmail(`eve.import@${DOMAIN}`).name).toBe(FORMULA_NAME);

    await search.fill('');
    await search.pressSequentially(`eve.import@${DOMAIN}`, { delay: 10 });
    await waitForValue(
      async () => ((await page.locator('table.users-table:not([aria-busy=true])').count()) === 0 ? [] : readUserRows(page)),
      (r) => r.length === 1 && r[0]!.email === `eve.import@${DOMAIN}`,
      `only eve when searching her address`,
      { page },
    );
    const badge = page.locator(`tr[data-testid=user-row][data-email="eve.import@${DOMAIN}"] [data-testid=badge-pending]`);
    expect((await badge.innerText()).trim()).toBe('Invitation pending');
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor), 'the amber badge').toBe('rgb(254, 243, 199)');

    // The import is listed among past imports, finished, by the admin, with its counts; "Open" leads back to it.
    await page.getByRole('button', { name: 'Import CSV', exact: true }).click();
    await waitFor(() => pathOf(page) === '/users/import', 'the import page again', { page });
    const past = page.locator('[data-testid=past-import]').filter({ hasText: FILE_NAME });
    await waitVisible(past, `"${FILE_NAME}" among past imports`, { page });
    const pastRow = await past.evaluate((row) => ({
      state: (row as HTMLElement).dataset.state,
      cells: [...(row as HTMLTableRowElement).cells].map((c) => c.innerText.trim()),
    }));
    expect(pastRow.state).toBe('FINISHED');
    expect(pastRow.cells.slice(0, 2)).toEqual([FILE_NAME, ADMIN_NAME]);
    expect(pastRow.cells.slice(3, 6)).toEqual(['Finished', '8', '5']);
    await past.getByRole('link', { name: `Open ${FILE_NAME}` }).click();
    await waitVisible(page.getByRole('heading', { name: 'Import finished' }), 'the finished import, opened from past imports', { page });
  });

  it('says an empty file is empty, refuses a file without addresses as a whole, and finds the email column under an unknown title', async () => {
    const page = await newPage();
    const cookie = await signIn(product.url, demo.email, demo.password);
    const [name, value] = cookie.split('=') as [string, string];
    await page.context().addCookies([{ name, value, url: product.url }]);
    await page.goto('/users/import');

    await chooseFile(page, 'empty.csv', '');
    const error = page.getByTestId('upload-error');
    await waitVisible(error, 'the upload error for an empty file', { page });
    expect((await error.innerText()).trim()).toBe('empty.csv could not be read. The file is empty.');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(pathOf(page)).toBe('/users/import');

    // No column holds an address: one message for the file, not an "Invalid" verdict per row.
    await chooseFile(page, 'names.csv', 'Full name,Team\nPat Example,Helpdesk\nSam Example,Billing\n');
    await waitForValue(
      async () => (await error.innerText()).trim(),
      (text) => text.startsWith('names.csv could not be read. No column holds email addresses:'),
      'the file-level message for a file without addresses',
      { page },
    );
    expect(pathOf(page)).toBe('/users/import');

    // "Contact" is not a title Roster knows for emails: the column is found by its cells.
    const people = ['pat', 'sam'].map((n) => `${n}.noemail@${DOMAIN}`);
    await chooseFile(page, 'contacts.csv', `Contact,Full name\n${people[0]},Pat Example\n${people[1]},Sam Example\n`);
    await waitForPreview(page, 'contacts.csv');
    expect(await readChips(page)).toMatchObject({ ALL: 2, NEW: 2, INVALID: 0 });
    const editor = page.getByTestId('mapping-editor');
    expect(await editor.getByLabel('Email', { exact: true }).inputValue()).toBe('0');
    const rows = await readPreviewRows(page);
    expect(rows.map((r) => [r.email, r.name])).toEqual([
      [people[0], 'Pat Example'],
      [people[1], 'Sam Example'],
    ]);
    const start = page.getByRole('button', { name: /^Import / });
    expect((await start.innerText()).trim()).toBe('Import 2 users');
    expect(await start.isEnabled()).toBe(true);
  });
});
