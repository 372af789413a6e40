import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Role } from '../accounts/roles.js';
import { QUERY_LIMITS } from '../auth/protection/query-limits.js';
import { createKey, gqlWithKey } from '../../test/api-key-client.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, TestClient, type TestRoster } from '../../test/harness.js';

type Answer = { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

/** One graphql-ws client (one socket) with the given upgrade headers; `closes` records every close. */
function socketClient(baseUrl: string, headers: Record<string, string>): { client: Client; closes: number[] } {
  const closes: number[] = [];
  const client = createClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols, { headers });
      }
    },
    on: { closed: (event) => void closes.push((event as { code: number }).code) },
  });
  return { client, closes };
}

/** Runs one operation over the socket and settles with its first answer: a result, or the `error` message's errors. */
function operate(client: Client, query: string): Promise<Answer> {
  return new Promise((resolve) => {
    const dispose = client.subscribe(
      { query },
      {
        next: (value) => (dispose(), resolve(value as Answer)),
        error: (error) =>
          resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as { code?: number }).code ?? error) }] }),
        complete: () => {},
      },
    );
  });
}

const firstError = (answer: Answer) => answer.errors?.[0];

describe.each(dialects)('GraphQL over WebSocket: documents are checked like over HTTP (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: TestClient;
  let key: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Protocol' });
    await build.aUser(account.id, { email: 'admin@protocol.test', role: Role.ADMIN, password: 'protocol-pass-1' });
    admin = new TestClient(roster.url);
    await admin.signIn('admin@protocol.test', 'protocol-pass-1');
    key = `Bearer ${(await createKey(admin, ['users:read'])).secret}`;
  });
  afterAll(() => roster?.close());

  const wide =
    'edges { cursor node { id email name role status source createdAt lastActiveAt isAdministrator invitationPending emailBounced ' +
    'company { id name userCount } groups { id name description userCount } invitation { id expiresAt } } } pageInfo { hasNextPage endCursor } totalCount';
  const overLimit = {
    aliases: '{ ' + Array.from({ length: 40 }, (_, i) => `a${i}: users { totalCount }`).join(' ') + ' }',
    depth: '{ users { edges { node { company { ' + 'a { '.repeat(46) + 'id' + ' }'.repeat(46) + ' } } } } }',
    cost: '{ ' + Array.from({ length: 29 }, (_, i) => `u${i}: users { ${wide} }`).join(' ') + ' }',
    directives: '{ __typename ' + '@include(if: true) '.repeat(QUERY_LIMITS.directives + 10) + '}',
  };

  it('refuses over the socket, with the same error as over HTTP, every document over a limit (depth, cost, aliases, directives, tokens)', async () => {
    const { client } = socketClient(roster.url, { cookie: admin.cookie! });
    for (const [limit, document] of Object.entries(overLimit)) {
      const overHttp = await gqlWithKey(roster.url, key, document);
      expect(overHttp.errors?.find((e) => e.extensions?.limit === limit)?.extensions, `HTTP, ${limit}`).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
      });
      const overSocket = await operate(client, document);
      expect(overSocket.data, `socket, ${limit}`).toBeUndefined();
      expect(overSocket.errors?.find((e) => e.extensions?.limit === limit)?.extensions, `socket, ${limit}`).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        max: QUERY_LIMITS[limit as keyof typeof overLimit],
      });
    }
    const huge = Array.from({ length: 1000 }, (_, i) => `query q${i} { __typename }`).join('\n');
    expect((await gqlWithKey(roster.url, key, huge)).errors?.[0]).toMatchObject({
      message: expect.stringMatching(/more tha[nt] 3000 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    const tokens = firstError(await operate(client, huge));
    expect(tokens).toMatchObject({
      message: expect.stringMatching(/more tha[nt] 3000 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    // Within the limits, the same socket still answers.
    expect(await operate(client, '{ users { totalCount } }')).toMatchObject({ data: { users: { totalCount: 1 } } });
    await client.dispose();
  });

  it('answers a subscribe with a syntax error with an error for that id, and keeps the socket and its other operations', async () => {
    const { client, closes } = socketClient(roster.url, { cookie: admin.cookie! });
    const broken = await operate(client, 'subscription { userEvents { type ');
    expect(firstError(broken)).toMatchObject({
      message: expect.stringMatching(/^Syntax Error/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    // The same socket answers the next operation: it was not closed.
    expect(await operate(client, '{ users { totalCount } }')).toMatchObject({ data: { users: { totalCount: 1 } } });
    expect(closes).toEqual([]);
    await client.dispose();
  });

  it('validates before checking access: an API key asking for an unknown field gets the validation error, over the socket as over HTTP', async () => {
    const overHttp = await gqlWithKey(roster.url, key, 'subscription { nope }');
    expect(overHttp.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Cannot query field "nope"/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const { client } = socketClient(roster.url, { authorization: key });
    const overSocket = await operate(client, 'subscription { nope }');
    expect(firstError(overSocket)).toMatchObject({
      message: expect.stringMatching(/Cannot query field "nope"/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    // A valid operation outside the key's scopes is still refused, after validation.
    const refused = await operate(client, 'subscription { syncRunUpdated { id } }');
    expect(firstError(refused)?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    await client.dispose();
  });
});
