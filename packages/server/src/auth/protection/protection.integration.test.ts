import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey, gqlWithKey } from '../../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { QUERY_LIMITS } from './query-limits.js';
import { MAX_BATCH_OPERATIONS } from './http-errors.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe.each(dialects)('a public endpoint refuses abusive requests with clear errors (%s)', (dialect) => {
  let roster: TestRoster;
  let key: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'guard@msp.test', role: Role.ADMIN, password: 'pw-guard' });
    const admin = new TestClient(roster.url);
    await admin.signIn('guard@msp.test', 'pw-guard');
    key = `Bearer ${(await createKey(admin, ['users:read'])).secret}`;
  });
  afterAll(() => roster?.close());

  it('refuses a depth-50 query before running it, naming the depth limit', async () => {
    const deep = '{ users { edges { node { company { ' + 'a { '.repeat(46) + 'id' + ' }'.repeat(46) + ' } } } } }';
    const result = await gqlWithKey(roster.url, key, deep);
    expect(result.status).toBe(400);
    const depth = result.errors?.find((e) => e.extensions?.limit === 'depth');
    expect(depth?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: QUERY_LIMITS.depth });
    expect(depth?.message).toMatch(/depth limit of 10 exceeded, found 5\d/);
    expect(result.data).toBeNull();
  });

  it('refuses a query asking for 10,000 items with BAD_USER_INPUT on `first`', async () => {
    const result = await gqlWithKey(roster.url, key, '{ users(page: { first: 10000 }) { totalCount } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(result.errors?.[0]?.message).toBe('`first` must be between 0 and 100.');
  });

  it('refuses too many aliases and too costly documents, naming the limit', async () => {
    const aliases = '{ ' + Array.from({ length: 100 }, (_, i) => `a${i}: users { totalCount }`).join(' ') + ' }';
    const aliased = await gqlWithKey(roster.url, key, aliases);
    expect(aliased.errors?.find((e) => e.extensions?.limit === 'aliases')?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      max: QUERY_LIMITS.aliases,
    });

    // Within the depth and alias limits, but 29 full Users pages at once (a Users page costs about 120).
    const wide =
      'edges { cursor node { id email name role status source createdAt lastActiveAt isAdministrator invitationPending emailBounced ' +
      'company { id name userCount } groups { id name description userCount } invitation { id expiresAt } } } pageInfo { hasNextPage endCursor } totalCount';
    const costly = '{ ' + Array.from({ length: 29 }, (_, i) => `u${i}: users { ${wide} }`).join(' ') + ' }';
    const result = await gqlWithKey(roster.url, key, costly);
    expect(result.status).toBe(400);
    expect(result.errors?.find((e) => e.extensions?.limit === 'cost')?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      max: QUERY_LIMITS.cost,
    });
  });

  it('counts page sizes in the cost: ten aliases of a 100-row Users page are refused before running', async () => {
    const row = 'id email name role status lastActiveAt company { id name } groups { id name }';
    const aliased =
      '{ ' +
      Array.from({ length: 10 }, (_, i) => `u${i}: users(page: { first: 100 }) { totalCount edges { node { ${row} } } }`).join(' ') +
      ' }';
    const result = await gqlWithKey(roster.url, key, aliased);
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', max: QUERY_LIMITS.cost });
    expect(result.errors?.[0]?.message).toMatch(/too costly.*Ask for smaller pages/);
    // One such page alone is fine.
    expect((await gqlWithKey(roster.url, key, `{ users(page: { first: 100 }) { totalCount edges { node { ${row} } } } }`)).status).toBe(
      200,
    );
  });

  it('refuses nested pages (100 integrations x 100 sync runs x 100 items) by their multiplied cost', async () => {
    const admin = new TestClient(roster.url);
    await admin.signIn('guard@msp.test', 'pw-guard');
    const nested = await admin.gql(
      '{ integrations(page: { first: 100 }) { edges { node { id syncRuns(page: { first: 100 }) { edges { node { id items(page: { first: 100 }) { edges { node { action label } } } } } } } } } }',
    );
    expect(nested.status).toBe(400);
    expect(nested.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(nested.errors?.[0]?.extensions?.cost).toBeGreaterThan(1_000_000);
  });

  it('refuses every operation of a batch asking for 10 x 30 aliases x 100 users (30,000 rows)', async () => {
    const operation =
      '{ ' +
      Array.from({ length: 30 }, (_, i) => `u${i}: users(page: { first: 100 }) { edges { node { id email name } } }`).join(' ') +
      ' }';
    const batch = await post(
      roster.url,
      Array.from({ length: 10 }, () => ({ query: operation })),
      { authorization: key },
    );
    expect(batch.body).toHaveLength(10);
    for (const answer of batch.body) {
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    }
  });

  it('gives the operations of one batch one cost budget: ten that each fit cannot return ten times as much', async () => {
    // Each costs about 4,200: two fit in the budget together, a third does not.
    const operation =
      '{ ' + Array.from({ length: 3 }, (_, i) => `u${i}: users(page: { first: 100 }) { edges { node { id email } } }`).join(' ') + ' }';
    expect((await gqlWithKey(roster.url, key, operation)).status).toBe(200);
    const batch = await post(
      roster.url,
      Array.from({ length: 10 }, () => ({ query: operation })),
      { authorization: key },
    );
    const answered = batch.body.filter((answer: any) => answer.data?.u0);
    const refused = batch.body.filter((answer: any) => answer.errors?.[0]?.extensions?.code === 'QUERY_TOO_COMPLEX');
    expect([answered.length, refused.length]).toEqual([2, 8]);
    expect(refused[0].errors[0].message).toMatch(/with the other operations of this batch/);
  });

  it('refuses a document of 1,000 operations by its size, before parsing it whole', async () => {
    const document = Array.from({ length: 1000 }, (_, i) => `query q${i} { __typename }`).join('\n');
    const result = await post(roster.url, { query: document, operationName: 'q1' }, { authorization: key });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(result.body.errors[0].message).toMatch(/more tha[nt] 3000 tokens/);
  });

  it(`runs a batch of up to ${MAX_BATCH_OPERATIONS} operations and refuses a batch of 1,000 with BATCH_TOO_LARGE`, async () => {
    const small = await post(
      roster.url,
      [{ query: '{ users { totalCount } }' }, { query: '{ apiScopes { name } }' }, { query: '{ __typename }' }],
      { authorization: key },
    );
    expect(small.status).toBe(200);
    expect(small.body).toHaveLength(3);
    expect(small.body[0].data.users.totalCount).toBe(1);

    const huge = await post(
      roster.url,
      Array.from({ length: 1000 }, () => ({ query: '{ __typename }' })),
      { authorization: key },
    );
    expect(huge.status).toBe(400);
    expect(huge.body.errors[0].extensions).toEqual({ code: 'BATCH_TOO_LARGE', max: MAX_BATCH_OPERATIONS });
    expect(huge.body.errors[0].message).toMatch(/1 to 10 operations; this one has 1000/);
  });

  it('checks every operation of a batch against the key’s scopes', async () => {
    const mixed = await post(
      roster.url,
      [{ query: '{ users { totalCount } }' }, { query: 'mutation { createCompany(input: { name: "Batch" }) { company { id } } }' }],
      { authorization: key },
    );
    expect(mixed.body[0].data.users.totalCount).toBe(1);
    expect(mixed.body[1].errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'users:write' });
  });

  it('answers a malformed key with UNAUTHENTICATED and reason API_KEY_MALFORMED', async () => {
    const result = await gqlWithKey(roster.url, 'Bearer rst_short', '{ users { totalCount } }');
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_MALFORMED' });
  });

  it('allows introspection to authenticated callers only', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    const anonymous = await post(roster.url, { query: introspect });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(anonymous.body.errors[0].message).toMatch(/schema\.graphql/);
    expect((await gqlWithKey(roster.url, key, introspect)).data?.__schema.queryType.name).toBe('Query');
    const admin = new TestClient(roster.url);
    await admin.signIn('guard@msp.test', 'pw-guard');
    expect((await admin.gql(introspect)).data?.__schema.queryType.name).toBe('Query');
    // __typename is not introspection of the schema: health checks and the over-HTTP audit use it.
    expect((await post(roster.url, { query: '{ __typename }' })).body.data).toEqual({ __typename: 'Query' });
  });
});

describe('rate limits (rate-limiter-flexible)', () => {
  const fakeKey = () => `Bearer rst_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`;

  it('limits each API key per minute: HTTP 429, Retry-After, and RATE_LIMITED with retryAfter', async () => {
    const roster = await startTestRoster('sqlite', {
      rateLimits: { perApiKeyPerMinute: 3, perSessionPerMinute: 1000, perIpPerMinute: 1000 },
    });
    try {
      const build = builders(roster.dataSource);
      const account = await build.anAccount();
      await build.aUser(account.id, { email: 'rl@msp.test', role: Role.ADMIN, password: 'pw-rl' });
      const admin = new TestClient(roster.url);
      await admin.signIn('rl@msp.test', 'pw-rl');
      const key = `Bearer ${(await createKey(admin, ['users:read'])).secret}`;
      for (let i = 0; i < 3; i++) expect((await gqlWithKey(roster.url, key, '{ users { totalCount } }')).status).toBe(200);
      const limited = await gqlWithKey(roster.url, key, '{ users { totalCount } }');
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter, limitedBy: 'API_KEY' });
      expect(limited.errors?.[0]?.message).toMatch(/Too many requests from this API key\. Try again in \d+ second/);
      // Another key has its own budget; the dashboard session is not slowed by a busy integration.
      const other = `Bearer ${(await createKey(admin, ['users:read'])).secret}`;
      expect((await gqlWithKey(roster.url, other, '{ users { totalCount } }')).status).toBe(200);
      expect((await admin.gql('{ users { totalCount } }')).status).toBe(200);
    } finally {
      await roster.close();
    }
  });

  it('limits anonymous requests per IP address, counting every operation of a batch', async () => {
    const roster = await startTestRoster('sqlite', {
      rateLimits: { perApiKeyPerMinute: 1000, perSessionPerMinute: 1000, perIpPerMinute: 4 },
    });
    try {
      const batch = await post(roster.url, [{ query: '{ __typename }' }, { query: '{ __typename }' }, { query: '{ __typename }' }]);
      expect(batch.status).toBe(200);
      expect((await post(roster.url, { query: '{ __typename }' })).status).toBe(200);
      const limited = await post(roster.url, { query: '{ __typename }' }, { accept: 'application/graphql-response+json' });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
      expect(limited.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'IP' });
    } finally {
      await roster.close();
    }
  });

  it('leaves a live session to its own budget, while refused credentials spend the IP budget like anonymous requests', async () => {
    const roster = await startTestRoster('sqlite', {
      rateLimits: { perApiKeyPerMinute: 1000, perSessionPerMinute: 1000, perIpPerMinute: 5 },
    });
    try {
      // Signing in is anonymous: it spends 1 of the 5.
      const build = builders(roster.dataSource);
      const account = await build.anAccount();
      await build.aUser(account.id, { email: 'busy@msp.test', role: Role.ADMIN, password: 'pw-busy' });
      const admin = new TestClient(roster.url);
      await admin.signIn('busy@msp.test', 'pw-busy');
      for (let i = 0; i < 10; i++) expect((await admin.gql('{ users { totalCount } }')).status, `dashboard request ${i}`).toBe(200);

      const forger = new TestClient(roster.url);
      forger.cookie = 'roster_session=' + 'F'.repeat(43);
      for (let i = 0; i < 4; i++)
        expect((await forger.gql('{ users { totalCount } }')).errors?.[0]?.extensions?.reason).toBe('SESSION_INVALID');
      const blocked = await forger.gql('{ users { totalCount } }');
      expect(blocked.status).toBe(429);
      expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'IP' });
      // Made-up keys and anonymous requests from that address are refused too; the live session is not.
      expect((await gqlWithKey(roster.url, fakeKey(), '{ __typename }')).status).toBe(429);
      expect((await post(roster.url, { query: '{ __typename }' })).status).toBe(429);
      expect((await admin.gql('{ users { totalCount } }')).status).toBe(200);
    } finally {
      await roster.close();
    }
  });

  it('refuses sign-in attempts carrying a made-up session cookie once the IP budget is spent (429, Retry-After)', async () => {
    const roster = await startTestRoster('sqlite', {
      rateLimits: { perApiKeyPerMinute: 1000, perSessionPerMinute: 1000, perIpPerMinute: 5 },
    });
    try {
      const statuses: number[] = [];
      let refusal: Awaited<ReturnType<typeof post>> | null = null;
      for (let i = 0; i < 60; i++) {
        const attempt = await post(
          roster.url,
          {
            query: 'mutation($input: SignInInput!) { signIn(input: $input) { viewer { role } } }',
            variables: { input: { email: `guess${i}@msp.test`, password: 'wrong' } },
          },
          { cookie: `roster_session=${randomBytes(32).toString('base64url')}` },
        );
        statuses.push(attempt.status);
        if (attempt.status === 429) refusal ??= attempt;
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
      expect(Number(refusal!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refusal!.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'IP' });
    } finally {
      await roster.close();
    }
  });

  it('gives every signed-in session its own generous budget (RATE_LIMIT_PER_SESSION)', async () => {
    const roster = await startTestRoster('sqlite', {
      rateLimits: { perApiKeyPerMinute: 1000, perSessionPerMinute: 4, perIpPerMinute: 1000 },
    });
    try {
      const build = builders(roster.dataSource);
      const account = await build.anAccount();
      await build.aUser(account.id, { email: 'eager@msp.test', role: Role.ADMIN, password: 'pw-eager' });
      const first = new TestClient(roster.url);
      const second = new TestClient(roster.url);
      await first.signIn('eager@msp.test', 'pw-eager');
      await second.signIn('eager@msp.test', 'pw-eager');
      const batch = await post(
        roster.url,
        [{ query: '{ users { totalCount } }' }, { query: '{ users { totalCount } }' }, { query: '{ __typename }' }],
        { cookie: first.cookie! },
      );
      expect(batch.status).toBe(200);
      expect((await first.gql('{ users { totalCount } }')).status).toBe(200);
      const limited = await first.gql('{ users { totalCount } }');
      expect(limited.status).toBe(429);
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'SESSION' });
      expect(limited.errors?.[0]?.message).toMatch(/Too many requests from this session/);
      // Another session (another browser of the same person) has its own budget.
      expect((await second.gql('{ users { totalCount } }')).status).toBe(200);
    } finally {
      await roster.close();
    }
  });

  it('shares one budget between instances through Redis when REDIS_URL is set', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const limits = { rateLimits: { perApiKeyPerMinute: 4, perSessionPerMinute: 1000, perIpPerMinute: 1000 }, redisUrl };
    const first = await startTestRoster('sqlite', limits);
    const second = await startTestRoster('sqlite', limits);
    try {
      const key = fakeKey();
      // Unknown keys are refused (401) but still counted: the limiter runs before any database lookup.
      for (const roster of [first, second, first, second]) expect((await gqlWithKey(roster.url, key, '{ __typename }')).status).toBe(401);
      const limited = await gqlWithKey(second.url, key, '{ __typename }');
      expect(limited.status).toBe(429);
      expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limitedBy: 'API_KEY' });
    } finally {
      await first.close();
      await second.close();
    }
  });
});
