import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role, UserStatus } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { startTestRoster, type TestRoster } from '../../test/harness.js';
import { DEFAULT_SIGN_IN_THROTTLE, SignInThrottle } from './sign-in-throttle.js';

/** What a caller can see of a sign-in answer: status, body and cookies (no timing: the decoy check covers that). */
async function signInAnswer(url: string, email: string, password: string, ip: string) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({
      query: 'mutation($input: SignInInput!) { signIn(input: $input) { nextStep } }',
      variables: { input: { email, password } },
    }),
  });
  return { status: response.status, body: await response.json(), setCookie: response.headers.getSetCookie() };
}

/**
 * Sign-in must not tell whether an email has a Roster sign-in: a wrong password for an existing person, an email nobody
 * has, a person invited but not signed up yet (no password) and a suspended person's wrong password get the very same
 * answer, and so does the throttle once either is slowed down.
 */
describe.each(dialects)('sign-in answers reveal no email (%s)', (dialect) => {
  let roster: TestRoster;

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false });
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Acme MSP' });
    await build.aUser(account.id, { email: 'admin@acme.test', role: Role.ADMIN, password: 'right-password' });
    await build.aUser(account.id, { email: 'invited@acme.test', status: UserStatus.INVITED });
    await build.aUser(account.id, { email: 'suspended@acme.test', status: UserStatus.SUSPENDED, password: 'their-password' });
  });
  afterAll(() => roster?.close());

  it('answers a wrong password and an unknown email identically: status, code, message, no cookie', async () => {
    const wrongPassword = await signInAnswer(roster.url, 'admin@acme.test', 'wrong-password', '203.0.113.1');
    expect(wrongPassword.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
    expect(wrongPassword.body.errors[0].message).toMatch(/try again/i);
    expect(wrongPassword.setCookie).toEqual([]);
    for (const email of ['nobody@acme.test', 'invited@acme.test', 'suspended@acme.test'])
      expect(await signInAnswer(roster.url, email, 'wrong-password', '203.0.113.1'), email).toEqual(wrongPassword);
  });

  it('throttles an existing and an unknown email the same way, with the same wait', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    roster.services.sessions.throttle = new SignInThrottle({}, () => now);
    const answers = [];
    for (const [email, ip] of [
      ['admin@acme.test', '198.51.100.1'],
      ['nobody@acme.test', '198.51.100.2'],
    ] as const) {
      for (let i = 0; i < DEFAULT_SIGN_IN_THROTTLE.freeFailuresPerEmailAndIp; i++) await signInAnswer(roster.url, email, `guess-${i}`, ip);
      answers.push(await signInAnswer(roster.url, email, 'another-guess', ip));
    }
    expect(answers[0]!.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfter: 1 });
    expect(answers[1]).toEqual(answers[0]);
  });
});
