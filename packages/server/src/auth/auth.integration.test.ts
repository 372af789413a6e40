import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionEntity } from './session.entity.js';
import { Role, UserStatus } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type GraphQLResult, type TestRoster } from '../../test/harness.js';
import { DEFAULT_SIGN_IN_THROTTLE, SignInThrottle } from './sign-in-throttle.js';

/** Signs in as a client behind the trusted proxy would: the proxy names the client's address in X-Forwarded-For. */
async function signInFrom(url: string, email: string, password: string, ip: string): Promise<GraphQLResult> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({
      query: 'mutation($input: SignInInput!) { signIn(input: $input) { viewer { role } } }',
      variables: { input: { email, password } },
    }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: GraphQLResult['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors, setCookie: response.headers.getSetCookie() };
}

describe.each(dialects)('signing in and out (%s)', (dialect) => {
  let roster: TestRoster;
  let admin: Awaited<ReturnType<ReturnType<typeof builders>['aUser']>>;
  let accountId: string;

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Acme MSP' });
    accountId = account.id;
    admin = await build.aUser(account.id, { email: 'Admin@Acme.test', role: Role.ADMIN, password: 'right-password' });
  });
  afterAll(() => roster?.close());

  it('signs in with the email in any letter case and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const client = new TestClient(roster.url);
    const result = await client.signIn('  ADMIN@acme.TEST ', 'right-password');
    expect(result.errors).toBeUndefined();
    expect(result.data?.signIn.viewer).toMatchObject({ role: 'ADMIN', currentAccount: { name: 'Acme MSP' } });
    expect(result.setCookie[0]).toMatch(/^roster_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const me = await client.gql('{ me { person { email } currentAccount { name } isAdministrator } }');
    expect(me.data?.me).toEqual({ person: { email: 'admin@acme.test' }, currentAccount: { name: 'Acme MSP' }, isAdministrator: true });
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and sets no cookie', async () => {
    const client = new TestClient(roster.url);
    const result = await client.signIn('admin@acme.test', 'wrong-password');
    expect(errorCode(result)).toBe('INVALID_CREDENTIALS');
    expect(result.errors?.[0]?.message).toBe('The email or password is incorrect. Check both and try again.');
    expect(result.setCookie).toEqual([]);
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const result = await new TestClient(roster.url).signIn('nobody@acme.test', 'whatever');
    expect(errorCode(result)).toBe('INVALID_CREDENTIALS');
    expect(result.errors?.[0]?.message).toBe('The email or password is incorrect. Check both and try again.');
  });

  it('signing out ends the session: the old cookie no longer works even if replayed', async () => {
    const client = new TestClient(roster.url);
    await client.signIn('admin@acme.test', 'right-password');
    const stolenCookie = client.cookie;
    const out = await client.gql('mutation { signOut { signedOut } }');
    expect(out.data?.signOut.signedOut).toBe(true);
    expect(out.setCookie[0]).toMatch(/roster_session=; .*Max-Age=0/);
    const replay = new TestClient(roster.url);
    replay.cookie = stolenCookie;
    const me = await replay.gql('{ me { person { email } } }');
    expect(errorCode(me)).toBe('UNAUTHENTICATED');
  });

  it('says the session expired when it did, so the dashboard can tell the admin to sign in again', async () => {
    const client = new TestClient(roster.url);
    await client.signIn('admin@acme.test', 'right-password');
    await roster.dataSource.getRepository(SessionEntity).update({ personId: admin.personId! }, { expiresAt: new Date(Date.now() - 1000) });
    const me = await client.gql('{ users { totalCount } }');
    expect(errorCode(me)).toBe('UNAUTHENTICATED');
    expect(me.errors?.[0]?.extensions?.reason).toBe('SESSION_EXPIRED');
    expect(me.errors?.[0]?.message).toMatch(/session has expired/);
    expect(me.data).toBeNull();
  });

  it('treats a missing or forged cookie as not signed in, with no data', async () => {
    const anonymous = await new TestClient(roster.url).gql('{ users { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NO_SESSION' });
    const forged = new TestClient(roster.url);
    forged.cookie = 'roster_session=' + 'A'.repeat(43);
    const result = await forged.gql('{ users { totalCount } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'SESSION_INVALID' });
  });

  it('lets a member sign in but keeps the admin dashboard closed to them', async () => {
    await builders(roster.dataSource).aUser(accountId, { email: 'member@acme.test', role: Role.MEMBER, password: 'member-pass' });
    const client = new TestClient(roster.url);
    expect((await client.signIn('member@acme.test', 'member-pass')).errors).toBeUndefined();
    const users = await client.gql('{ users { totalCount } }');
    expect(errorCode(users)).toBe('FORBIDDEN');
  });

  it('refuses a suspended user with a message that says so', async () => {
    await builders(roster.dataSource).aUser(accountId, { email: 'gone@acme.test', status: UserStatus.SUSPENDED, password: 'gone-pass' });
    const result = await new TestClient(roster.url).signIn('gone@acme.test', 'gone-pass');
    expect(errorCode(result)).toBe('FORBIDDEN');
    expect(result.errors?.[0]?.message).toMatch(/suspended/);
  });

  it('slows a guesser down with growing waits, while the owner signs in at once from their own address', async () => {
    await builders(roster.dataSource).aUser(accountId, { email: 'owner@acme.test', role: Role.OWNER, password: 'owner-pass' });
    let now = Date.parse('2026-01-01T00:00:00Z');
    roster.services.sessions.throttle = new SignInThrottle({}, () => now);
    const signIn = (password: string, ip: string) => signInFrom(roster.url, 'owner@acme.test', password, ip);
    const attacker = '203.0.113.7';
    const owner = '198.51.100.9';

    for (let i = 0; i < DEFAULT_SIGN_IN_THROTTLE.freeFailuresPerEmailAndIp; i++)
      expect(errorCode(await signIn(`guess-${i}`, attacker))).toBe('INVALID_CREDENTIALS');
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const refused = await signIn('owner-pass', attacker);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
      const retryAfter = refused.errors![0]!.extensions!.retryAfter as number;
      expect(refused.errors?.[0]?.message).toBe(
        `Too many failed sign-in attempts. Try again in ${retryAfter < 60 ? `${retryAfter} second(s)` : `${Math.ceil(retryAfter / 60)} minute(s)`}.`,
      );
      waits.push(retryAfter);
      // The owner, from their own address, is never held up by the stranger's guesses.
      const ownerResult = await signIn('owner-pass', owner);
      expect(ownerResult.errors).toBeUndefined();
      expect(ownerResult.data?.signIn.viewer.role).toBe('OWNER');
      now += retryAfter * 1000;
      expect(errorCode(await signIn(`late-guess-${i}`, attacker))).toBe('INVALID_CREDENTIALS');
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
  });

  it('slows down an address that tries many emails, without touching other addresses', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    roster.services.sessions.throttle = new SignInThrottle({}, () => now);
    const sprayer = '203.0.113.99';
    for (let i = 0; i < DEFAULT_SIGN_IN_THROTTLE.freeFailuresPerIp; i++) {
      expect(errorCode(await signInFrom(roster.url, `nobody${i}@acme.test`, 'Winter2026!', sprayer))).toBe('INVALID_CREDENTIALS');
    }
    expect(errorCode(await signInFrom(roster.url, 'nobody-else@acme.test', 'Winter2026!', sprayer))).toBe('TOO_MANY_ATTEMPTS');
    expect(errorCode(await signInFrom(roster.url, 'admin@acme.test', 'right-password', '198.51.100.10'))).toBeUndefined();
  });

  it('validates sign-in input and names the field at fault', async () => {
    const client = new TestClient(roster.url);
    const empty = await client.signIn('', 'x');
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    const huge = await client.signIn('a'.repeat(400) + '@x.test', 'x');
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
  });

  it("keeps Apollo's CSRF prevention on: a cross-site form post is refused before it runs", async () => {
    const response = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { signOut { signedOut } }' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });

  it('refuses unknown fields and wrong types with typed validation errors', async () => {
    const client = new TestClient(roster.url);
    expect(errorCode(await client.gql('{ me { password } }'))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCode(await client.gql('mutation { signIn(input: { email: 1, password: 2 }) { viewer { role } } }'))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
  });
});
