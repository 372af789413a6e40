import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import type { Logger } from '../../core/logger.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { createKey, gqlWithKey } from '../../../test/api-key-client.js';
import { startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';

/**
 * Keeps what the server logs, by level, to check what a flood of bad requests would write; the one line every
 * request gets (it names a route, see app/request-log.ts) is left out.
 */
function recordingLogger(): Logger & { infos: string[]; errors: string[] } {
  const infos: string[] = [];
  const errors: string[] = [];
  return {
    infos,
    errors,
    info: (message, fields) => void (fields?.route === undefined && infos.push(message)),
    error: (message) => void errors.push(message),
  };
}

async function postRaw(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe.each(dialects)('what errors tell clients and the log (%s)', (dialect) => {
  let roster: TestRoster;
  let logger: ReturnType<typeof recordingLogger>;
  let admin: TestClient;
  let key: string;

  beforeAll(async () => {
    logger = recordingLogger();
    // Configured like the built product by default: no error-details setting.
    roster = await startTestRoster(dialect, {}, { logger, runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount();
    await build.aUser(account.id, { email: 'errors@msp.test', role: Role.ADMIN, password: 'pw-errors' });
    admin = new TestClient(roster.url);
    await admin.signIn('errors@msp.test', 'pw-errors');
    key = `Bearer ${(await createKey(admin, ['users:read'])).secret}`;
  });
  afterAll(() => roster?.close());

  it('sends no stack trace to clients unless ROSTER_ERROR_DETAILS is on', async () => {
    const refused = await postRaw(roster.url, JSON.stringify({ query: '{ users { nope } }' }), { cookie: admin.cookie! });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.text).not.toMatch(/stacktrace|\bat .*:\d+:\d+/);
  });

  it('answers a malformed JSON body with 400 BAD_REQUEST and logs one short line at info, no stack at error', async () => {
    const before = { infos: logger.infos.length, errors: logger.errors.length };
    const malformed = await postRaw(roster.url, '{"query": "{ __typename }"', { accept: 'application/graphql-response+json' });
    expect(malformed.status).toBe(400);
    expect(malformed.type).toMatch(/^application\/graphql-response\+json/);
    expect(JSON.parse(malformed.text)).toEqual({
      errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(malformed.text).not.toMatch(/SyntaxError|\bat .*:\d+:\d+/);

    const tooLarge = await postRaw(roster.url, JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text).errors[0]).toEqual({ message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } });

    expect(logger.infos.slice(before.infos)).toEqual(['POST /graphql 400 entity.parse.failed', 'POST /graphql 413 entity.too.large']);
    expect(logger.errors.length).toBe(before.errors);
  });

  it('gives "Did you mean" suggestions to signed-in people and API keys, not to anonymous callers', async () => {
    const typo = '{ usrs { totalCount } }';
    const anonymous = JSON.parse((await postRaw(roster.url, JSON.stringify({ query: typo }))).text);
    expect(anonymous.errors[0].message).toBe('Cannot query field "usrs" on type "Query".');
    expect((await admin.gql(typo)).errors?.[0]?.message).toBe('Cannot query field "usrs" on type "Query". Did you mean "users" or "user"?');
    expect((await gqlWithKey(roster.url, key, typo)).errors?.[0]?.message).toMatch(/Did you mean "users"/);
    // A made-up cookie is not a signed-in person.
    const forged = JSON.parse(
      (await postRaw(roster.url, JSON.stringify({ query: typo }), { cookie: 'roster_session=' + 'F'.repeat(43) })).text,
    );
    expect(forged.errors[0].message).not.toMatch(/Did you mean/);
  });
});

describe('error details for development (ROSTER_ERROR_DETAILS=true)', () => {
  let roster: TestRoster;
  beforeAll(async () => {
    roster = await startTestRoster('sqlite', { errorDetails: true }, { runOutboxWorker: false });
  });
  afterAll(() => roster?.close());

  it('adds stack traces to errors when asked for', async () => {
    const refused = await postRaw(roster.url, JSON.stringify({ query: '{ nope }' }));
    expect(JSON.parse(refused.text).errors[0].extensions.stacktrace).toEqual(
      expect.arrayContaining([expect.stringMatching(/GraphQLError/)]),
    );
  });
});
