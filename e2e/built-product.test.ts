import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './browser.js';
import { runBuiltProductToExit, signIn, startBuiltProduct, type StartedProduct } from './support.js';

describe('the built product, started as the README says', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-built-'));
  let product: StartedProduct;

  beforeAll(async () => {
    product = await startBuiltProduct({}, dataDir);
  });
  afterAll(async () => {
    await product?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL, the GraphQL endpoint, the playground and the demo sign-in, on a SQLite file in the data folder', () => {
    expect(product.output()).toMatch(/GraphQL endpoint: http:\/\/\S+\/graphql/);
    expect(product.output()).toMatch(/Playground: +http:\/\/\S+\/playground/);
    expect(product.demo).not.toBeNull();
    expect(fs.existsSync(path.join(dataDir, 'roster.sqlite'))).toBe(true);
  });

  it('serves the dashboard, its client-side routes, the playground and the SDL', async () => {
    for (const route of ['/', '/users', '/sign-in']) {
      const response = await fetch(product.url + route, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/<div id="app">/);
    }
    const playground = await fetch(product.url + '/playground');
    expect(await playground.text()).toMatch(/playground/i);
    const sdl = await (await fetch(product.url + '/schema.graphql')).text();
    expect(sdl).toMatch(/type Query/);
    expect(sdl).toBe(fs.readFileSync(path.resolve(import.meta.dirname, '../packages/schema/schema.graphql'), 'utf8'));
  });

  it('answers GraphQL over HTTP: the demo admin signs in and reads the seeded users with both badges', async () => {
    const cookie = await signIn(product.url, product.demo!.email, product.demo!.password);
    const response = await fetch(`${product.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        query:
          '{ users(page: { first: 100 }) { totalCount edges { node { status isAdministrator invitationPending } } } companies { totalCount } groups { totalCount } }',
      }),
    });
    const { data } = (await response.json()) as any;
    expect(data.users.totalCount).toBeGreaterThan(100);
    const nodes = data.users.edges.map((e: any) => e.node);
    for (const status of ['INVITED', 'ACTIVE', 'SUSPENDED']) expect(nodes.some((n: any) => n.status === status)).toBe(true);
    expect(nodes.some((n: any) => n.invitationPending)).toBe(true);
    expect(nodes.some((n: any) => n.isAdministrator)).toBe(true);
    expect(data.companies.totalCount).toBeGreaterThanOrEqual(2);
    expect(data.groups.totalCount).toBeGreaterThanOrEqual(2);
  });

  it('hides internals from clients in production mode', async () => {
    const response = await fetch(`${product.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ users { totalCount } }' }),
    });
    const body = await response.text();
    expect(body).toMatch(/UNAUTHENTICATED/);
    expect(body).not.toMatch(/stacktrace|at .*\.js:\d+/);
  });

  it('sends no stack trace with the default NODE_ENV either, and logs a malformed body as one line, not a stack', async () => {
    const plain = await startBuiltProduct({ NODE_ENV: 'development', LOG_LEVEL: 'info' });
    try {
      const post = (body: string) =>
        fetch(`${plain.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const invalid = await post(JSON.stringify({ query: '{ nope }' }));
      expect(invalid.status).toBe(400);
      expect(await invalid.text()).not.toMatch(/stacktrace|at .*\.js:\d+/);
      const malformed = await post('{"query": ');
      expect(malformed.status).toBe(400);
      const text = await malformed.text();
      expect(JSON.parse(text).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(text).not.toMatch(/SyntaxError|at .*\.js:\d+/);
      // The log line is written as the answer goes out: wait for it rather than read the output at once.
      await waitFor(() => /POST \/graphql 400 entity\.parse\.failed/.test(plain.output()), 'the malformed body logged as one line');
      expect(plain.output()).not.toMatch(/SyntaxError/);
    } finally {
      await plain.stop();
    }
  });

  it('seeds only an empty database: a restart keeps the data as it is', async () => {
    const cookie = await signIn(product.url, product.demo!.email, product.demo!.password);
    const count = async (url: string, c: string) =>
      (
        (await (
          await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: c },
            body: JSON.stringify({ query: '{ users { totalCount } }' }),
          })
        ).json()) as any
      ).data.users.totalCount;
    const before = await count(product.url, cookie);
    await product.stop();
    product = await startBuiltProduct({}, dataDir);
    expect(product.output()).not.toMatch(/Applied \d+ migration/);
    const after = await count(product.url, await signIn(product.url, product.demo!.email, product.demo!.password));
    expect(after).toBe(before);
  });

  it('refuses to half-start on bad configuration, naming each bad value', async () => {
    const { code, output } = await runBuiltProductToExit({ PORT: 'http', DATABASE_URL: 'postgres://x@y/z', REDIS_URL: 'nope' });
    expect(code).toBe(1);
    expect(output).toMatch(/PORT="http" must be a whole number/);
    expect(output).toMatch(/DATABASE_URL=.* must start with mysql:\/\//);
    expect(output).toMatch(/REDIS_URL=.* is not a valid URL/);
  });
});
