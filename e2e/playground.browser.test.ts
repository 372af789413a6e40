import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, type GraphQLField } from 'graphql';
import type { Browser, BrowserContext, Page, Request, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, waitFor, waitForValue, waitVisible } from './browser.js';
import { graphql, repoRoot, startBuiltProduct, type StartedProduct } from './support.js';

/** What the built product serves (ROSTER_WEB_DIST, as the server reads it, or the default build folder). */
const WEB_DIST = path.resolve(process.env.ROSTER_WEB_DIST || path.join(repoRoot, 'packages/web/dist'));
const COMMITTED_SDL = path.join(repoRoot, 'packages/schema/schema.graphql');

const INVITE = 'mutation($a: String!) { inviteUsers(input: { addresses: $a, sendEmail: false }) { results { email verdict } } }';

/**
 * Every file the built playground can load: playground.html, then each asset it names, transitively (static
 * imports, dynamic imports, Vite's preload lists and stylesheets all name their targets by file name).
 */
function playgroundFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const queue = ['playground.html'];
  while (queue.length) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    const text = fs.readFileSync(path.join(WEB_DIST, file), 'utf8');
    files.set(file, text);
    for (const match of text.matchAll(/(?:\.\/|\/assets\/|assets\/)([\w.-]+\.(?:js|css))/g)) {
      const asset = `assets/${match[1]}`;
      if (!files.has(asset) && fs.existsSync(path.join(WEB_DIST, asset))) queue.push(asset);
    }
  }
  return files;
}

/**
 * Absolute URLs that appear in the bundled libraries' JavaScript as text, never as something loaded: XML
 * namespaces handed to createElementNS, and links inside error messages, comments and a link a person may
 * click. Any other absolute URL in the playground's JavaScript fails the test until someone has checked it.
 */
const INERT_URLS: { pattern: RegExp; why: string }[] = [
  { pattern: /^http:\/\/www\.w3\.org\/(1998\/Math\/MathML|1999\/xhtml|1999\/xlink|2000\/svg|XML\/1998\/namespace)$/, why: 'XML namespace' },
  { pattern: /^https:\/\/reactjs\.org\/docs\/error-decoder\.html\?invariant=$/, why: "React's production error message" },
  { pattern: /^https:\/\/codemirror\.net\/5\/doc\/manual\.html#keymaps$/, why: "CodeMirror's error message about key maps" },
  { pattern: /^https:\/\/commonmark\.org\/$/, why: 'markdown-it comment' },
  { pattern: /^https:\/\/en\.wikipedia\.org\/wiki\/IEEE_floating_point$/, why: 'graphql-js error message' },
  { pattern: /^https:\/\/yarnpkg\.com\/en\/docs\/selective-version-resolutions$/, why: 'graphql-js "duplicate graphql" error message' },
  {
    pattern: /^https:\/\/github\.com\/graphql\/graphiql(\/blob\/[\w./-]+(#L\d+)?)?$/,
    why: "GraphiQL's logo link (replaced by ours) and a warning's link",
  },
  { pattern: /^https?:\/\/$/, why: "markdown-it's linkify prefix" },
  { pattern: /^http:\/\/\$\{\w+\.url\}$/, why: 'markdown-it linkify: the href of a link shown in a description' },
];

describe('the built playground', () => {
  it('references no other origin: no script, stylesheet or font from a CDN, so it works offline', () => {
    expect(fs.existsSync(path.join(WEB_DIST, 'playground.html')), 'packages/web/dist/playground.html (run "pnpm build" first)').toBe(true);
    const files = playgroundFiles();
    expect(
      [...files.keys()].some((f) => f.endsWith('.js')),
      'the playground loads scripts',
    ).toBe(true);
    expect(
      [...files.keys()].some((f) => f.endsWith('.css')),
      'the playground loads a stylesheet',
    ).toBe(true);

    const problems: string[] = [];
    for (const [file, text] of files) {
      if (file.endsWith('.html') || file.endsWith('.css')) {
        // In HTML and CSS every absolute or protocol-relative URL would be fetched (src, href, url(), @import).
        for (const m of text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'()<>]*/gi)) problems.push(`${file}: ${m[0]}`);
        if (file.endsWith('.css')) {
          for (const m of text.matchAll(/url\(\s*["']?([^"')\s]+)/g)) {
            if (!m[1]!.startsWith('data:') && !m[1]!.startsWith('/assets/') && !m[1]!.startsWith('./'))
              problems.push(`${file}: url(${m[1]!.slice(0, 80)})`);
          }
        }
      } else {
        for (const m of text.matchAll(/https?:\/\/[^\s"'`)\\<>]*/g)) {
          const url = m[0].replace(/[,;]+$/, '');
          if (!INERT_URLS.some((inert) => inert.pattern.test(url))) problems.push(`${file}: ${url}`);
        }
        // A dynamic import or worker of another origin written without a literal URL would still need these.
        for (const m of text.matchAll(/import\(\s*["'`](?:https?:)?\/\/[^"'`]+/g)) problems.push(`${file}: ${m[0]}`);
      }
    }
    expect(problems, 'external references in the built playground').toEqual([]);

    // The browser itself refuses other origins: the page's Content-Security-Policy allows only its own.
    const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(files.get('playground.html')!)?.[1];
    expect(policy, 'the Content-Security-Policy of playground.html').toBeDefined();
    const directives = new Map(
      policy!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name!, sources]),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    for (const [name, sources] of directives) {
      for (const source of sources) expect(["'self'", "'none'", "'unsafe-inline'", 'data:'], `${name} ${source}`).toContain(source);
    }

    // The fonts GraphiQL's stylesheet names are inside the bundle.
    const css = [...files]
      .filter(([f]) => f.endsWith('.css'))
      .map(([, t]) => t)
      .join('\n');
    expect(css).toMatch(/@font-face\s*{[^}]*src:\s*url\(data:font\/woff2;base64,/);
  });
});

describe('the playground and the SDL, served by the built product', () => {
  let product: StartedProduct;

  beforeAll(async () => {
    product = await startBuiltProduct({ REDIS_URL: '', RESEND_API_KEY: '', PUBLIC_URL: '' });
    expect(product.demo, product.output()).not.toBeNull();
  });

  afterAll(async () => {
    await product?.stop();
  });

  it('GET /schema.graphql downloads the SDL as text, exactly the committed packages/schema/schema.graphql', async () => {
    const response = await fetch(`${product.url}/schema.graphql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('content-disposition')).toMatch(/filename="schema\.graphql"/);
    const sdl = await response.text();
    expect(sdl).toMatch(/^type Query \{/m);
    expect(sdl).toBe(fs.readFileSync(COMMITTED_SDL, 'utf8'));
  });

  describe.skipIf(!chromiumAvailable())('in a real browser, offline for every other origin', () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** Requests the page tried to send anywhere but the product's own origin (all aborted). */
    const foreignRequests: string[] = [];
    /** What the playground's Content-Security-Policy refused (such loads never reach the network). */
    const refusedByPolicy: string[] = [];
    const notePolicyRefusals = (on: Page) =>
      on.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refusedByPolicy.push(message.text());
      });
    const sockets: WebSocket[] = [];
    const graphqlRequests: Request[] = [];
    const done = new Set<string>();

    function needs(...steps: string[]): void {
      const missing = steps.filter((s) => !done.has(s));
      if (missing.length)
        throw new Error(`Not run: this step needs the earlier step(s) ${missing.map((s) => `"${s}"`).join(', ')}, which failed.`);
    }

    /** A browser context for which the network beyond the product does not exist: such requests are aborted and noted. */
    async function offlineContext(): Promise<BrowserContext> {
      const offline = await browser.newContext({ baseURL: product.url, viewport: { width: 1440, height: 900 } });
      const origin = new URL(product.url).origin;
      await offline.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
        foreignRequests.push(url);
        return route.abort('internetdisconnected');
      });
      return offline;
    }

    beforeAll(async () => {
      browser = await launchChromium();
      context = await offlineContext();
      page = await context.newPage();
      notePolicyRefusals(page);
      page.setDefaultTimeout(10_000);
      page.on('websocket', (socket) => sockets.push(socket));
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/graphql' && request.method() === 'POST') graphqlRequests.push(request);
      });
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
    });

    const queryEditor = () => page.locator('.graphiql-query-editor .CodeMirror');
    const resultPane = () => page.locator('.result-window');
    const executeButton = () => page.locator('button.graphiql-execute-button');

    /** The text of a CodeMirror editor of the page, whole (CodeMirror renders only the lines in view). */
    const editorText = (selector: string, on: Page = page) =>
      on
        .locator(selector)
        .first()
        .evaluate((el) => (el as HTMLElement & { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
    /** Replaces an editor's text as pasting would. */
    const setEditorText = (selector: string, text: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((el, value) => (el as HTMLElement & { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value), text);
    const resultText = () => editorText('.result-window .CodeMirror');

    /** The session cookie of the browser's signed-in admin, for requests made from outside the page. */
    async function adminCookie(): Promise<string> {
      const cookies = await context.cookies(product.url);
      expect(cookies.length, 'cookies of the signed-in admin').toBeGreaterThan(0);
      return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    }

    it('shows a signed-out visitor the docs (from /schema.graphql); running a query answers UNAUTHENTICATED', async () => {
      const visitorContext = await offlineContext();
      try {
        const visitor = await visitorContext.newPage();
        visitor.on('websocket', (socket) => sockets.push(socket));
        notePolicyRefusals(visitor);
        await visitor.goto('/playground');
        await waitVisible(visitor.locator('.graphiql-query-editor .CodeMirror'), 'the query editor', { page: visitor });
        await visitor.getByRole('button', { name: 'Show Documentation Explorer' }).click();
        const explorer = visitor.locator('.graphiql-doc-explorer');
        await explorer
          .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
          .first()
          .click();
        await waitVisible(
          explorer.locator('.graphiql-doc-explorer-field-name', { hasText: /^users$/ }),
          'Query.users in the docs explorer',
          { page: visitor },
        );

        await visitor.locator('button.graphiql-execute-button').click();
        const answer = await waitForValue(
          async () =>
            JSON.parse((await editorText('.result-window .CodeMirror', visitor)) || 'null') as {
              data?: unknown;
              errors?: { message: string; extensions?: { code?: string } }[];
            } | null,
          (value) => Boolean(value?.errors?.length),
          'the refusal in the result pane',
          { page: visitor },
        );
        expect(answer!.data ?? null).toBeNull();
        expect(answer!.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
        expect(answer!.errors![0]!.message.length).toBeGreaterThan(0);
      } finally {
        await visitorContext.close();
      }
    });

    it('signs the demo admin in and opens /playground: GraphiQL from our bundle, the users query and a subscription as tabs', async () => {
      await page.goto('/sign-in');
      await page.getByLabel('Email', { exact: true }).fill(product.demo!.email);
      await page.getByLabel('Password', { exact: true }).fill(product.demo!.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitFor(() => new URL(page.url()).pathname === '/users', 'the Users page after signing in', { page });

      const response = await page.goto('/playground');
      expect(response?.status()).toBe(200);
      await waitVisible(queryEditor(), 'the query editor', { page });
      expect(await page.title()).toBe('Roster GraphQL playground');
      expect((await page.locator('.graphiql-logo .roster-name').innerText()).trim()).toBe('Roster API');
      // The dashboard links here (its sidebar) and the playground links back.
      expect(await page.getByRole('link', { name: 'Back to dashboard' }).getAttribute('href')).toBe('/users');

      const tabs = page.locator('.graphiql-tab');
      await waitFor(async () => (await tabs.count()) === 2, 'two tabs: the users query and the subscription', { page });
      expect(await tabs.allInnerTexts()).toEqual([expect.stringContaining('Users'), expect.stringContaining('UserEvents')]);
      const firstTab = await editorText('.graphiql-query-editor .CodeMirror');
      expect(firstTab).toMatch(/query Users \{\s+users\(page: \{ first: 5 \}\)/);
      expect(firstTab).toMatch(/Authorization.*Bearer/);
      expect(foreignRequests, 'requests to other origins while loading').toEqual([]);
      expect(refusedByPolicy, "loads the playground's Content-Security-Policy refused").toEqual([]);
      done.add('open');
    });

    it("opens the docs explorer: the Query type's fields, each with its description from the schema", async () => {
      needs('open');
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      const explorer = page.locator('.graphiql-doc-explorer');
      await waitVisible(explorer.getByText('Root Types'), 'the root types of the schema', { page });
      await explorer
        .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ })
        .first()
        .click();
      await waitFor(
        async () => (await explorer.locator('.graphiql-doc-explorer-title').innerText()).trim() === 'Query',
        'the Query type page',
        { page },
      );

      const query = buildSchema(fs.readFileSync(COMMITTED_SDL, 'utf8')).getQueryType()!;
      const fields = Object.values(query.getFields()) as GraphQLField<unknown, unknown>[];
      expect(fields.length).toBeGreaterThan(5);
      const items = explorer.locator('.graphiql-doc-explorer-item');
      const shown = await items.evaluateAll((elements) =>
        elements.map((el) => ({
          name: el.querySelector('.graphiql-doc-explorer-field-name')?.textContent?.trim() ?? '',
          description: el.querySelector('.graphiql-markdown-description')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        })),
      );
      for (const field of fields) {
        const item = shown.find((s) => s.name === field.name);
        expect(item, `the docs explorer lists Query.${field.name}`).toBeDefined();
        expect(field.description, `Query.${field.name} has a description in the schema`).toBeTruthy();
        // Markdown is rendered: compare the words, without code backticks.
        expect(item!.description).toBe(field.description!.replace(/`/g, '').replace(/\s+/g, ' ').trim());
      }
      done.add('docs');
    });

    it('runs the users query with the docs explorer open and shows the same users as the API in the result pane', async () => {
      needs('docs');
      const expected = await graphql<{ users: { totalCount: number; edges: { node: { email: string } }[] } }>(
        product.url,
        await adminCookie(),
        '{ users(page: { first: 5 }) { totalCount edges { node { email } } } }',
      );
      expect(expected.users.edges).toHaveLength(5);

      await executeButton().click();
      const result = await waitForValue(
        async () =>
          JSON.parse((await resultText()) || 'null') as {
            data?: { users: { totalCount: number; edges: { node: { email: string } }[] } };
          } | null,
        (value) => Boolean(value?.data?.users),
        'the users in the result pane',
        { page },
      );
      expect(result!.data!.users.totalCount).toBe(expected.users.totalCount);
      expect(result!.data!.users.edges.map((e) => e.node.email)).toEqual(expected.users.edges.map((e) => e.node.email));
      // What a person sees: the first email is rendered in the result pane.
      expect(await resultPane().innerText()).toContain(expected.users.edges[0]!.node.email);
      expect(await page.locator('.graphiql-doc-explorer').isVisible(), 'the docs explorer is still open').toBe(true);
      done.add('query');
    });

    it('keeps the query in the history', async () => {
      needs('query');
      await page.getByRole('button', { name: 'Show History' }).click();
      const history = page.locator('.graphiql-history');
      await waitVisible(history.locator('.graphiql-history-item-label', { hasText: 'Users' }), 'the Users query in the history', { page });
    });

    it('sends what the headers editor holds, e.g. an API key as "Authorization: Bearer ..."', async () => {
      needs('query');
      await page.getByRole('button', { name: 'Headers', exact: true }).click();
      const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
      await waitVisible(page.locator(headers), 'the headers editor', { page });
      await setEditorText(headers, '{ "Authorization": "Bearer roster_playground_not_a_key" }');

      const before = graphqlRequests.length;
      await executeButton().click();
      const sent = await waitForValue(
        async () => graphqlRequests.slice(before),
        (requests) => requests.length > 0,
        'the query sent after editing the headers',
        { page },
      );
      expect(sent[0]!.headers()['authorization']).toBe('Bearer roster_playground_not_a_key');
      // The server now judges the key, not the session: an unknown key gets no users.
      const refused = await waitForValue(
        async () => JSON.parse((await resultText()) || 'null') as { data?: unknown; errors?: { extensions?: { code?: string } }[] } | null,
        (value) => Boolean(value?.errors?.length),
        'an error for the unknown key in the result pane',
        { page },
      );
      expect(refused!.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');

      await setEditorText(headers, '');
      done.add('headers');
    });

    it('runs the userEvents subscription over graphql-ws and shows an event triggered from outside the page', async () => {
      needs('open');
      await page.locator('.graphiql-tab', { hasText: 'UserEvents' }).click();
      await waitFor(
        async () => /subscription UserEvents/.test(await editorText('.graphiql-query-editor .CodeMirror')),
        'the subscription tab',
        { page },
      );
      // The operation the issue names, exactly. GraphiQL reads a pasted document after a short debounce; its
      // tab title turning to "<untitled>" (an anonymous operation) shows it has, as a person would see.
      await setEditorText('.graphiql-query-editor .CodeMirror', 'subscription { userEvents { type users { email } } }');
      await waitFor(
        async () => (await page.locator('.graphiql-tab-active').innerText()).includes('<untitled>'),
        'the tab title of the anonymous subscription',
        { page },
      );

      const socketsBefore = sockets.length;
      const frames: string[] = [];
      let subscribedOn: WebSocket | undefined;
      page.on('websocket', (socket) => {
        socket.on('framesent', (frame) => {
          frames.push(`sent ${String(frame.payload)}`);
          if (/"type":"subscribe"/.test(String(frame.payload))) subscribedOn = socket;
        });
        socket.on('framereceived', (frame) => frames.push(`received ${String(frame.payload)}`));
        socket.on('close', () => frames.push('closed'));
      });
      await executeButton().click();
      await waitFor(() => subscribedOn !== undefined, 'the subscribe message on a graphql-ws socket', { page }).catch(async (error) => {
        throw new Error(`${(error as Error).message}\n  frames: ${JSON.stringify(frames)}\n  result pane: ${await resultText()}`);
      });
      const socket = subscribedOn!;
      expect(new URL(socket.url()).pathname).toBe('/graphql');
      expect(new URL(socket.url()).host).toBe(new URL(product.url).host);
      expect(sockets.length).toBeGreaterThan(socketsBefore);
      await waitFor(
        async () => (await executeButton().getAttribute('aria-label')) === 'Stop query (Ctrl-Enter)',
        'the subscription running (Stop button)',
        { page },
      );

      // Invite from outside the page (another client with the admin's session). The server registers the
      // subscription a moment after the subscribe message; if the first event beat it, a later one shows.
      const cookie = await adminCookie();
      const invited: string[] = [];
      let shown: string | undefined;
      for (let attempt = 1; attempt <= 3 && !shown; attempt++) {
        const email = `playground.${Date.now()}.${attempt}@playground-e2e.test`;
        const data = await graphql<{ inviteUsers: { results: { email: string; verdict: string }[] } }>(product.url, cookie, INVITE, {
          a: email,
        });
        expect(data.inviteUsers.results[0]).toMatchObject({ email, verdict: 'INVITED' });
        invited.push(email);
        shown = await waitForValue(
          resultText,
          (text) => invited.some((e) => text.includes(e)),
          `the userEvents event for ${email} in the result pane`,
          { page, timeout: 5000 },
        )
          .then(() => email)
          .catch((error) => {
            if (attempt === 3) throw error;
            return undefined;
          });
      }
      console.log(`[playground] the userEvents event showed after ${invited.length} invitation(s)`);
      const event = JSON.parse(await resultText()) as { data: { userEvents: { type: string; users: { email: string }[] } } };
      expect(event.data.userEvents.type).toBe('INVITED');
      expect(invited).toContain(event.data.userEvents.users[0]!.email);
      expect(await resultPane().innerText()).toContain(event.data.userEvents.users[0]!.email);

      await executeButton().click();
      await waitFor(
        async () => (await executeButton().getAttribute('aria-label')) === 'Execute query (Ctrl-Enter)',
        'the subscription stopped',
        { page },
      );
      done.add('subscription');
    });

    it('tried no other origin at any point: no request, no socket, nothing refused by its Content-Security-Policy', () => {
      needs('open');
      expect(foreignRequests).toEqual([]);
      expect(refusedByPolicy).toEqual([]);
      const origin = new URL(product.url);
      for (const socket of sockets) expect(new URL(socket.url()).host).toBe(origin.host);
    });
  });
});
