import { createHash } from 'node:crypto';
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey } from '../../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';

describe.each(dialects)('GraphQL over HTTP (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let key: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {
      rateLimits: { perApiKeyPerMinute: 100_000, perSessionPerMinute: 100_000, perIpPerMinute: 100_000 },
    });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'http@msp.test', role: Role.ADMIN, password: 'pw-http' });
    admin = new TestClient(roster.url);
    await admin.signIn('http@msp.test', 'pw-http');
    key = (await createKey(admin, ['users:read'])).secret;
  });
  afterAll(() => roster?.close());

  it("passes every MUST audit of graphql-http's server audit suite, as an API key caller", async () => {
    // The audit's requests carry the key like any third-party client; anonymous callers may not introspect.
    const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${key}`);
      return fetch(input, { ...init, headers });
    };
    const audits = serverAudits({ url: `${roster.url}/graphql`, fetchFn });
    const results = [];
    for (const audit of audits) results.push(await audit.fn());
    const failedMust = results.filter((r) => r.status === 'error').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(failedMust).toEqual([]);
    expect(results.filter((r) => r.name.startsWith('MUST')).length).toBeGreaterThan(10);
  });

  it('answers GET for queries, refuses GET for mutations, and speaks application/graphql-response+json', async () => {
    const headers = { authorization: `Bearer ${key}`, accept: 'application/graphql-response+json' };
    const get = await fetch(`${roster.url}/graphql?query=${encodeURIComponent('{ users { totalCount } }')}`, { headers });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect((await get.json()).data.users.totalCount).toBe(1);

    const mutation = await fetch(`${roster.url}/graphql?query=${encodeURIComponent('mutation { signOut { signedOut } }')}`, { headers });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');

    const post = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ users { totalCount } }' }),
    });
    expect(post.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect((await post.json()).data.users.totalCount).toBe(1);
  });

  it('keeps CSRF protection for browsers: a simple cross-site GET or form POST with the session cookie is refused', async () => {
    const cookie = admin.cookie!;
    const simpleGet = await fetch(`${roster.url}/graphql?query=${encodeURIComponent('{ users { totalCount } }')}`, { headers: { cookie } });
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toMatch(/CSRF/);
    const formPost = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=' + encodeURIComponent('mutation { signOut { signedOut } }'),
    });
    expect(formPost.status).toBe(400);
    expect((await admin.gql('{ me { person { email } } }')).data?.me.person.email).toBe('http@msp.test');

    // What a page of Roster itself sends (JSON, or the preflight header on GET) goes through.
    const withPreflight = await fetch(`${roster.url}/graphql?query=${encodeURIComponent('{ users { totalCount } }')}`, {
      headers: { cookie, 'apollo-require-preflight': 'true' },
    });
    expect(withPreflight.status).toBe(200);
  });

  it('supports automatic persisted queries: a known hash is enough, an unknown one asks for the query', async () => {
    const query = '{ users { totalCount } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }));
    const headers = { authorization: `Bearer ${key}` };
    const unknown = await fetch(`${roster.url}/graphql?extensions=${extensions}`, { headers });
    expect((await unknown.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const register = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect((await register.json()).data.users.totalCount).toBe(1);

    const byHash = await fetch(`${roster.url}/graphql?extensions=${extensions}`, { headers });
    expect(byHash.status).toBe(200);
    expect((await byHash.json()).data.users.totalCount).toBe(1);

    const mismatch = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect((await mismatch.json()).errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'extensions.persistedQuery.sha256Hash',
    });
  });
});
