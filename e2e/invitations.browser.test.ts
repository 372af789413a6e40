import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { repoRoot, startBuiltProduct, type StartedProduct } from './support.js';

/** better-sqlite3 is a dependency of the server package, not of the workspace root. */
const requireFromServer = createRequire(path.join(repoRoot, 'packages/server/package.json'));
interface SqliteDatabase {
  prepare(sql: string): { run(...params: unknown[]): { changes: number }; get(...params: unknown[]): unknown };
  pragma(sql: string): unknown;
  close(): void;
}
const BetterSqlite3 = requireFromServer('better-sqlite3') as new (file: string) => SqliteDatabase;

const ACCOUNT = 'Northwind MSP';
const ZOE = 'zoe.zed@e2e.test';
const YANN = 'yann.y@e2e.test';
const SEARCH = 'e2e.test';
const ZOE_PASSWORD = 'zoe chooses a long passphrase';

/** What the accept page says for a link that can no longer be used (accept-messages.ts). */
const LINK_MESSAGES = {
  ACCEPTED: 'This invitation has already been used. Sign in instead.',
  REPLACED: 'A newer invitation was sent to you; use the link in the most recent email.',
  REVOKED: 'This invitation was withdrawn by your administrator.',
};

/** A port that was free a moment ago (see beforeAll for why the product does not get PORT=0 here). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, as the server stores datetimes in SQLite. */
const sqliteDateTime = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '');

interface RowInfo {
  email: string;
  name: string;
  status: string;
  pending: boolean;
  actions: string[];
}

interface MailboxItem {
  to: string;
  subject: string;
}

/**
 * The invitation lifecycle as people see it, in one product start and one chromium: the admin invites two
 * addresses, reads the emails in the dev mailbox, one invitee accepts in their own browser, the admin
 * re-invites (throttled, then allowed) and un-invites the other. Steps run in order and share state; a step
 * whose prerequisite failed says so instead of failing with a confusing message.
 */
describe.skipIf(!chromiumAvailable())('the invitation lifecycle in a real browser (built product, demo seed)', () => {
  let dataDir: string;
  let product: StartedProduct;
  let browser: Browser;
  let demo: { email: string; password: string };
  /** The admin's own browser (cookies) and tab, kept from step to step like a person would. */
  let adminContext: BrowserContext;
  let admin: Page;
  /** Fresh contexts for invitees, closed after each step. */
  const inviteeContexts: BrowserContext[] = [];
  const links: { zoe?: string; yannFirst?: string; yannSecond?: string } = {};
  const done = new Set<string>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-invitations-'));
    // A real port rather than PORT=0: the server builds invitation links from PUBLIC_URL, whose default is
    // http://localhost:$PORT taken before listening, so with PORT=0 every link would point at localhost:0.
    const start = async (): Promise<StartedProduct> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await startBuiltProduct({ PORT: String(await freePort()), REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '' }, dataDir);
        } catch (error) {
          // Another process may have taken the port between freePort() and the server's listen().
          if (attempt >= 3 || !/EADDRINUSE/.test(String(error))) throw error;
        }
      }
    };
    [product, browser] = await Promise.all([start(), launchChromium()]);
    expect(product.demo, product.output()).not.toBeNull();
    demo = product.demo!;
    adminContext = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
    admin = await adminContext.newPage();
    admin.setDefaultTimeout(10_000);
  });

  afterEach(async () => {
    await Promise.all(inviteeContexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await adminContext?.close();
    await browser?.close();
    await product?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Guards a step on the steps it builds on, so one failure does not produce a cascade of odd ones. */
  function needs(...steps: string[]): void {
    const missing = steps.filter((s) => !done.has(s));
    if (missing.length)
      throw new Error(`Not run: this step needs the earlier step(s) ${missing.map((s) => `"${s}"`).join(', ')}, which failed.`);
  }

  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const rowOf = (page: Page, email: string) => page.locator(`tr[data-testid=user-row][data-email="${email}"]`);

  /** The rows on screen; cells are found by their column header. */
  async function readRows(page: Page): Promise<RowInfo[]> {
    return page.locator('table.users-table').evaluate((table) => {
      const headers = [...(table as HTMLTableElement).tHead!.rows[0]!.cells].map((th) => th.textContent!.trim());
      const column = (name: string) => {
        const index = headers.indexOf(name);
        if (index < 0) throw new Error(`no "${name}" column in ${JSON.stringify(headers)}`);
        return index;
      };
      const [name, status] = [column('Name'), column('Status')];
      return [...table.querySelectorAll<HTMLTableRowElement>('tr[data-testid=user-row]')].map((row) => ({
        email: row.dataset.email ?? '',
        name: row.cells[name]!.innerText.trim(),
        status: row.cells[status]!.innerText.trim(),
        pending: row.querySelector('[data-testid=badge-pending]') !== null,
        actions: [...row.querySelectorAll('button')].map((b) => b.textContent!.trim()).filter(Boolean),
      }));
    });
  }

  /** Waits until the (settled) table shows rows that satisfy `accept`; returns them. */
  function waitForRows(page: Page, accept: (rows: RowInfo[]) => boolean, what: string): Promise<RowInfo[]> {
    return waitForValue(
      async () => ((await page.locator('table.users-table:not([aria-busy=true])').count()) === 0 ? [] : readRows(page)),
      (rows) => rows.length > 0 && accept(rows),
      what,
      { page },
    );
  }

  const byEmail = (rows: RowInfo[], email: string) => rows.find((r) => r.email === email);

  /** The admin's Users page searched for the test's addresses, freshly loaded (no live updates yet). */
  async function reloadUsers(accept: (rows: RowInfo[]) => boolean, what: string): Promise<RowInfo[]> {
    await admin.goto(`/users?q=${encodeURIComponent(SEARCH)}`);
    return waitForRows(admin, accept, what);
  }

  /** A toast of the Users page (the polite live region) with this text. */
  function toast(page: Page, text: string): Locator {
    return page.locator('[data-testid=toasts][role=status] [data-testid=toast]').filter({ hasText: text });
  }

  /** What the mailbox list shows, newest first. */
  function readMailbox(page: Page): Promise<MailboxItem[]> {
    return page.getByTestId('mailbox-item').evaluateAll((items) =>
      items.map((item) => ({
        to: item.querySelector('.mailbox__to')?.textContent?.trim() ?? '',
        subject: item.querySelector('.mailbox__subject')?.textContent?.trim() ?? '',
      })),
    );
  }

  /**
   * Opens the dev mailbox from the sidebar, presses Refresh until `count` emails to `to` are listed (the
   * outbox worker sends them shortly after the invitation commits), and returns their links, newest first.
   */
  async function mailboxLinks(to: string, count: number): Promise<string[]> {
    await admin.getByRole('link', { name: 'Dev mailbox', exact: true }).click();
    await waitFor(() => pathOf(admin) === '/dev/mailbox', 'the Dev mailbox page', { page: admin });
    await waitVisible(admin.getByRole('heading', { name: 'Dev mailbox', level: 1 }), 'the Dev mailbox heading', { page: admin });
    const refresh = admin.getByRole('button', { name: 'Refresh' });
    await waitForValue(
      async () => {
        const items = await readMailbox(admin);
        if (items.filter((i) => i.to === to).length < count && (await refresh.isEnabled())) await refresh.click();
        return items;
      },
      (items) => items.filter((i) => i.to === to).length >= count,
      `${count} email(s) to ${to} in the dev mailbox`,
      { page: admin, interval: 250 },
    );
    // Let a refresh still in flight land before the list is read for good.
    await waitFor(() => refresh.isEnabled(), 'the mailbox to finish refreshing', { page: admin });
    const items = await readMailbox(admin);
    const result: string[] = [];
    for (const [index, item] of items.entries()) {
      if (item.to !== to) continue;
      expect(item.subject, `the subject of the email to ${to}`).toContain(ACCOUNT);
      await admin.getByTestId('mailbox-item').nth(index).click();
      const reader = admin.getByRole('article', { name: 'Selected email' });
      await waitFor(
        async () => (await reader.locator('.muted').first().innerText()).startsWith(`To ${to} `),
        `the reader to show the email to ${to}`,
        { page: admin },
      );
      expect((await reader.getByRole('heading', { level: 2 }).innerText()).trim()).toBe(item.subject);
      const link = await reader.getByTestId('mailbox-link').getAttribute('href');
      expect(link, `the accept link of the email to ${to}`).toMatch(/\/invitations\/[^/?#]+$/);
      // The link must lead to this server, or the invitee could not use it.
      expect(new URL(link!).origin, `where the link of the email to ${to} leads`).toBe(new URL(product.url).origin);
      result.push(link!);
    }
    return result;
  }

  /** An invitee's own browser (no session) on the link; waits until the page has loaded the invitation. */
  async function openLinkAsInvitee(link: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    inviteeContexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(link);
    await waitVisible(page.getByTestId('invitation-heading'), `the invitation heading at ${link}`, { page });
    return page;
  }

  async function expectDeadLink(link: string, message: string): Promise<Page> {
    const page = await openLinkAsInvitee(link);
    const state = page.getByTestId('invitation-state');
    await waitVisible(state, `the message "${message}"`, { page });
    expect((await state.innerText()).trim()).toContain(message);
    expect(await state.getAttribute('role')).toBe('alert');
    expect(await page.getByTestId('accept-form').count(), 'an accept form under a dead link').toBe(0);
    expect(await page.getByRole('button', { name: 'Accept invitation' }).count()).toBe(0);
    expect(await page.getByLabel('Choose a password').count()).toBe(0);
    expect(pathOf(page)).toBe(new URL(link).pathname);
    return page;
  }

  async function expectAcceptForm(page: Page, email: string): Promise<void> {
    await waitVisible(page.getByTestId('accept-form'), `the accept form for ${email}`, { page });
    expect((await page.getByTestId('invitation-heading').innerText()).trim()).toMatch(
      new RegExp(`invited you to join ${ACCOUNT} on Roster$`),
    );
    expect((await page.getByTestId('invitation-email').innerText()).trim()).toBe(email);
    expect(await page.getByLabel('Your name', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByLabel('Choose a password', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Accept invitation' }).isEnabled()).toBe(true);
    expect(await page.getByTestId('invitation-state').count()).toBe(0);
  }

  /** Changes one pending invitation's creation time in the SQLite file the product runs on. */
  function setInvitationCreatedAt(email: string, createdAt: (current: Date) => Date | null): void {
    const db = new BetterSqlite3(path.join(dataDir, 'roster.sqlite'));
    try {
      db.pragma('busy_timeout = 5000');
      const row = db.prepare("SELECT id, created_at FROM invitations WHERE email = ? AND state = 'PENDING'").get(email) as
        { id: string; created_at: string } | undefined;
      expect(row?.created_at, `the pending invitation of ${email}`).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      const next = createdAt(new Date(`${row!.created_at.replace(' ', 'T')}Z`));
      if (next) expect(db.prepare('UPDATE invitations SET created_at = ? WHERE id = ?').run(sqliteDateTime(next), row!.id).changes).toBe(1);
    } finally {
      db.close();
    }
  }

  const STEP1 = 'invite two addresses';
  it('1. the admin signs in, invites two addresses from "Invite users", and both rows show "Invitation pending"', async () => {
    await admin.goto('/sign-in');
    await admin.getByLabel('Email', { exact: true }).fill(demo.email);
    await admin.getByLabel('Password', { exact: true }).fill(demo.password);
    await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitFor(() => pathOf(admin) === '/users', 'the Users page after signing in', { page: admin });
    await waitForRows(admin, () => true, 'the first rows of users');
    expect((await admin.getByTestId('account-name').innerText()).trim()).toBe(ACCOUNT);

    await admin.getByRole('button', { name: 'Invite users' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Invite users' });
    await waitVisible(dialog, 'the "Invite users" dialog', { page: admin });
    const addresses = dialog.getByLabel('Email addresses');
    await waitFor(
      async () => (await addresses.evaluate((el) => el === document.activeElement)) === true,
      'the focus in "Email addresses"',
      { page: admin },
    );
    await addresses.pressSequentially(`Zoe Zed <${ZOE}>, `, { delay: 5 });
    await addresses.press('Enter');
    await addresses.pressSequentially(YANN, { delay: 5 });
    expect(await dialog.getByLabel('Send invitation emails').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Send invitations' }).click();

    const results = admin.getByRole('dialog', { name: 'Invitations' });
    await waitVisible(results.getByTestId('invite-summary'), 'the invitation results', { page: admin });
    expect((await results.getByTestId('invite-summary').innerText()).trim()).toBe('2 invited');
    const verdicts = await results.getByTestId('invite-result').evaluateAll((rows) =>
      rows.map((r) => ({
        email: (r as HTMLElement).dataset.email,
        verdict: (r as HTMLElement).dataset.verdict,
        badge: r.querySelector('[data-testid=verdict-badge]')?.textContent?.trim(),
      })),
    );
    expect(verdicts).toEqual([
      { email: ZOE, verdict: 'INVITED', badge: 'Invited' },
      { email: YANN, verdict: 'INVITED', badge: 'Invited' },
    ]);
    expect(await results.locator('[data-testid=invite-result]', { hasText: 'Zoe Zed' }).count()).toBe(1);

    await results.getByRole('button', { name: 'Done' }).click();
    await waitFor(async () => (await admin.getByRole('dialog').count()) === 0, 'the dialog to close', { page: admin });

    const search = admin.getByLabel('Search users');
    await search.fill('');
    await search.pressSequentially(SEARCH, { delay: 20 });
    const rows = await waitForRows(
      admin,
      (r) => r.length === 2 && r.every((u) => u.email.endsWith(`@${SEARCH}`)),
      `exactly the two invited rows for "${SEARCH}"`,
    );
    expect(rows.map((r) => r.email).sort()).toEqual([YANN, ZOE]);
    expect(rows.every((r) => r.pending)).toBe(true);
    expect(byEmail(rows, ZOE)!.name).toBe('Zoe Zed');
    const badge = rowOf(admin, ZOE).getByTestId('badge-pending');
    expect((await badge.innerText()).trim()).toBe('Invitation pending');
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(254, 243, 199)');
    for (const row of rows)
      expect(row.actions, `the buttons of ${row.email}`).toEqual(['Re-invite', 'Un-invite', `More actions for ${row.email}`]);
    done.add(STEP1);
  });

  const STEP2 = 'read the links';
  it('2. the dev mailbox holds an email to each address, with the subject naming the MSP and the accept link', async () => {
    needs(STEP1);
    const [zoe] = await mailboxLinks(ZOE, 1);
    const [yann] = await mailboxLinks(YANN, 1);
    expect(zoe).not.toBe(yann);
    links.zoe = zoe;
    links.yannFirst = yann;
    done.add(STEP2);
  });

  const STEP3 = 'zoe accepts';
  it('3. the invitee opens the link (nothing accepted by opening), fills in name and password, and lands signed in', async () => {
    needs(STEP2);
    const invitee = await openLinkAsInvitee(links.zoe!);
    await expectAcceptForm(invitee, ZOE);
    expect(await invitee.title()).toBe('Invitation · Roster');

    // Mail scanners open links too: the admin still sees the invitation pending.
    const before = await reloadUsers((r) => r.length === 2, 'the two rows after the link was opened');
    expect(byEmail(before, ZOE)?.pending, 'zoe pending after the link was only opened').toBe(true);

    await invitee.getByLabel('Your name', { exact: true }).fill('Zoe Zed');
    await invitee.getByLabel('Choose a password', { exact: true }).fill(ZOE_PASSWORD);
    await invitee.getByRole('button', { name: 'Accept invitation' }).click();
    // A member (the dialog's default role) lands on the welcome page; an administrator on /users.
    await waitFor(() => pathOf(invitee) === '/welcome', 'the welcome page after accepting', { page: invitee });
    const welcome = invitee.getByTestId('welcome-message');
    await waitVisible(welcome, 'the welcome message', { page: invitee });
    expect((await welcome.innerText()).trim()).toContain(`You have joined ${ACCOUNT}.`);
    await waitVisible(invitee.getByText(`Signed in as ${ZOE}.`), 'the "Signed in as" line', { page: invitee });

    // Signed in for real: a reload keeps the session (no trip to the sign-in page).
    await invitee.reload();
    await waitVisible(invitee.getByTestId('welcome-message'), 'the welcome message after a reload', { page: invitee });
    expect(pathOf(invitee)).toBe('/welcome');
    done.add(STEP3);
  });

  const STEP4 = 'admin sees the acceptance';
  it("4. after a reload the admin sees zoe without the pending badge; yann's is still pending", async () => {
    needs(STEP3);
    const rows = await reloadUsers((r) => r.length === 2 && byEmail(r, ZOE)?.pending === false, 'zoe without the pending badge');
    // Zoe accepted: only the menu every user has (change role, suspend) is left.
    expect(byEmail(rows, ZOE)).toMatchObject({ name: 'Zoe Zed', status: 'Active', pending: false, actions: [`More actions for ${ZOE}`] });
    expect(byEmail(rows, YANN)).toMatchObject({ pending: true, actions: ['Re-invite', 'Un-invite', `More actions for ${YANN}`] });
    expect(await rowOf(admin, ZOE).getByTestId('badge-pending').count()).toBe(0);
    done.add(STEP4);
  });

  it('5. the used link, opened again in a fresh browser, says it has already been used and offers sign-in, no form', async () => {
    needs(STEP3);
    const page = await expectDeadLink(links.zoe!, LINK_MESSAGES.ACCEPTED);
    expect(await page.getByTestId('invitation-state').getByRole('link', { name: 'Go to sign in' }).getAttribute('href')).toBe('/sign-in');
  });

  const STEP6 = 're-invite yann';
  it('6. "Re-invite" is throttled right after inviting; once the invitation is older it sends a new link and the old one is replaced', async () => {
    needs(STEP2);
    let rows = await reloadUsers((r) => byEmail(r, YANN)?.pending === true, "yann's pending row");
    // The throttle is a minute from the invitation's creation; should the steps before have been slow,
    // bring the invitation back to "just created" so the throttle is what this step sees.
    setInvitationCreatedAt(YANN, (current) => {
      if (Date.now() - current.getTime() < 40_000) return null;
      console.warn(`yann's invitation is ${Math.round((Date.now() - current.getTime()) / 1000)} s old; moving it to now`);
      return new Date();
    });

    const reinvite = rowOf(admin, YANN).getByRole('button', { name: 'Re-invite' });
    await reinvite.click();
    const throttled = toast(admin, `${YANN} was invited less than a minute ago`);
    await waitVisible(throttled, 'the throttle message in a toast', { page: admin });
    expect((await throttled.locator('.toast__title').innerText()).trim()).toMatch(
      new RegExp(`^${YANN.replace(/\./g, '\\.')} was invited less than a minute ago; try again in \\d+ seconds\\.$`),
    );
    expect(await throttled.getAttribute('class')).toContain('toast--warning');
    await waitFor(() => reinvite.isEnabled(), 'the Re-invite button to be enabled again', { page: admin });
    // Still the one email: the throttled attempt sent nothing.
    expect(await mailboxLinks(YANN, 1)).toEqual([links.yannFirst]);

    // A minute later, as far as the server can tell.
    setInvitationCreatedAt(YANN, () => new Date(Date.now() - 2 * 60_000));
    rows = await reloadUsers((r) => byEmail(r, YANN)?.pending === true, "yann's pending row again");
    await rowOf(admin, YANN).getByRole('button', { name: 'Re-invite' }).click();
    const sent = toast(admin, `A new invitation was sent for ${YANN}; the previous link no longer works.`);
    await waitVisible(sent, 'the re-invite success message in a toast', { page: admin });
    expect(await sent.getAttribute('class')).toContain('toast--success');
    rows = await waitForRows(admin, (r) => byEmail(r, YANN)?.pending === true, 'yann still pending after the re-invite');
    expect(byEmail(rows, ZOE)?.pending).toBe(false);

    const yannLinks = await mailboxLinks(YANN, 2);
    expect(yannLinks).toHaveLength(2);
    expect(yannLinks[1], 'the older email to yann keeps the first link').toBe(links.yannFirst);
    expect(yannLinks[0], 'the newest email to yann has a new link').not.toBe(links.yannFirst);
    links.yannSecond = yannLinks[0];

    await expectDeadLink(links.yannFirst!, LINK_MESSAGES.REPLACED);
    const second = await openLinkAsInvitee(links.yannSecond!);
    await expectAcceptForm(second, YANN);
    done.add(STEP6);
  });

  it('7. "Un-invite" asks first; once confirmed the row leaves the list and the latest link says it was withdrawn', async () => {
    needs(STEP6);
    await reloadUsers((r) => byEmail(r, YANN)?.pending === true, "yann's pending row");
    await rowOf(admin, YANN).getByRole('button', { name: 'Un-invite' }).click();

    const confirm = admin.getByRole('alertdialog', { name: 'Un-invite user' });
    await waitVisible(confirm, 'the un-invite confirmation', { page: admin });
    expect((await confirm.locator('.confirm__message').innerText()).trim()).toBe(
      `Un-invite ${YANN}? The invitation link will stop working and they will leave the pending list.`,
    );
    // Nothing happens before confirming.
    expect(await rowOf(admin, YANN).count()).toBe(1);
    await confirm.getByRole('button', { name: 'Un-invite', exact: true }).click();

    await waitFor(async () => (await admin.getByRole('alertdialog').count()) === 0, 'the confirmation to close', { page: admin });
    await waitVisible(
      toast(admin, `The invitation of ${YANN} was revoked; the link no longer works.`),
      'the un-invite message in a toast',
      { page: admin },
    );
    const rows = await waitForRows(admin, (r) => !byEmail(r, YANN), "yann's row to leave the list");
    expect(rows.map((r) => r.email)).toEqual([ZOE]);
    // Still gone after a reload: the server forgot the pending user.
    expect((await reloadUsers((r) => r.length >= 1, 'the list after a reload')).map((r) => r.email)).toEqual([ZOE]);

    await expectDeadLink(links.yannSecond!, LINK_MESSAGES.REVOKED);
  });
});
