import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import { builders } from '../../test/builders.js';
import { dialects } from '../../test/databases.js';
import { errorCode, startTestRoster, type TestRoster } from '../../test/harness.js';
import { SSO_STARTS_PER_MINUTE_PER_IP } from './sso/sso.routes.js';
import {
  DEFAULT_SIGN_IN_THROTTLE,
  MemoryFailureCounts,
  RedisFailureCounts,
  SignInThrottle,
  type FailureCounts,
  type SignInThrottleSettings,
} from './sign-in-throttle.js';
import type { Logger } from '../core/logger.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
const opened: FailureCounts[] = [];
afterAll(() => Promise.all(opened.map((counts) => counts.close())));

/** Counts in this process, or in Redis under a namespace of the test's own (so runs never see each other's). */
const stores: Array<[string, (now: () => number) => () => FailureCounts]> = [
  ['in memory', (now) => () => new MemoryFailureCounts(now)],
  [
    'in Redis',
    (now) => {
      const namespace = `test-${randomBytes(6).toString('hex')}`;
      return () => {
        const counts = new RedisFailureCounts(REDIS_URL, namespace, silent, now);
        opened.push(counts);
        return counts;
      };
    },
  ],
];

const X = '203.0.113.7';
const Y = '198.51.100.9';

describe.each(stores)('SignInThrottle, failures counted %s', (_name, storeFor) => {
  /** A throttle on `now`; throttles made by one `throttles` share their counts the way instances do. */
  const throttles = (now: () => number) => {
    const counts = storeFor(now);
    return (settings: Partial<SignInThrottleSettings>) => new SignInThrottle(settings, now, counts());
  };

  it('lets a few failures of an email from one address through, then doubles the wait after each further one', async () => {
    let now = 0;
    const throttle = throttles(() => now)({ freeFailuresPerEmailAndIp: 3, freeFailuresPerIp: 100, firstDelayMs: 1000, maxDelayMs: 8000 });
    await throttle.recordFailure('a@x.test', X);
    await throttle.recordFailure('a@x.test', X);
    expect(await throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await throttle.recordFailure('a@x.test', X);
      waits.push(await throttle.retryAfterSeconds('a@x.test', X));
      now += waits.at(-1)! * 1000;
      expect(await throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8]);
  });

  it('never slows the same email down from another address', async () => {
    const throttle = throttles(() => 0)({ freeFailuresPerEmailAndIp: 2 });
    for (let i = 0; i < 10; i++) await throttle.recordFailure('owner@x.test', X);
    expect(await throttle.retryAfterSeconds('owner@x.test', X)).toBeGreaterThan(0);
    expect(await throttle.retryAfterSeconds('owner@x.test', Y)).toBe(0);
  });

  it('slows down an address that sprays many emails, whatever the email', async () => {
    const throttle = throttles(() => 0)({ freeFailuresPerEmailAndIp: 5, freeFailuresPerIp: 4 });
    for (let i = 0; i < 4; i++) await throttle.recordFailure(`user${i}@x.test`, X);
    expect(await throttle.retryAfterSeconds('someone-else@x.test', X)).toBe(1);
    expect(await throttle.retryAfterSeconds('someone-else@x.test', Y)).toBe(0);
  });

  it('clears an email and address pair on success, but not the address’s count', async () => {
    const throttle = throttles(() => 0)({ freeFailuresPerEmailAndIp: 2, freeFailuresPerIp: 3 });
    await throttle.recordFailure('a@x.test', X);
    await throttle.recordSuccess('a@x.test', X);
    await throttle.recordFailure('a@x.test', X);
    expect(await throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    await throttle.recordFailure('b@x.test', X);
    await throttle.recordSuccess('b@x.test', X);
    expect(await throttle.retryAfterSeconds('c@x.test', X)).toBe(1);
  });

  it('forgets failures an hour after the last one', async () => {
    let now = 0;
    const throttle = throttles(() => now)({ freeFailuresPerEmailAndIp: 1, forgetAfterMs: 60 * 60 * 1000 });
    for (let i = 0; i < 3; i++) await throttle.recordFailure('a@x.test', X);
    now = 60 * 60 * 1000;
    await throttle.recordFailure('a@x.test', X);
    expect(await throttle.retryAfterSeconds('a@x.test', X)).toBe(1);
  });
});

describe('SignInThrottle with Redis, across instances', () => {
  const [, redisStore] = stores[1]!;

  it('counts the failures of every instance together: spreading guesses over instances buys no more of them', async () => {
    const now = () => 0;
    const instance = redisStore(now);
    const [a, b, c] = [instance(), instance(), instance()].map(
      (counts) => new SignInThrottle({ freeFailuresPerEmailAndIp: 3 }, now, counts),
    );
    await a!.recordFailure('a@x.test', X);
    await b!.recordFailure('a@x.test', X);
    expect(await c!.retryAfterSeconds('a@x.test', X)).toBe(0);
    await c!.recordFailure('a@x.test', X);
    expect(await a!.retryAfterSeconds('a@x.test', X)).toBe(1);
    expect(await b!.retryAfterSeconds('a@x.test', X)).toBe(1);
    // The owner signing in from their own address on another instance clears the pair everywhere.
    await b!.recordSuccess('a@x.test', X);
    expect(await a!.retryAfterSeconds('a@x.test', X)).toBe(0);
  });

  it('keeps slowing guesses down, per instance, while Redis cannot be reached', async () => {
    const counts = new RedisFailureCounts('redis://127.0.0.1:1', 'unreachable', silent, () => 0);
    opened.push(counts);
    const throttle = new SignInThrottle({ freeFailuresPerEmailAndIp: 1 }, () => 0, counts);
    await throttle.recordFailure('a@x.test', X);
    expect(await throttle.retryAfterSeconds('a@x.test', X)).toBe(1);
  });
});

describe.each(dialects)('two Roster instances sharing Redis (%s)', (dialect) => {
  let one: TestRoster;
  let two: TestRoster;
  const email = `owner-${randomBytes(4).toString('hex')}@guessed.test`;
  // An address of its own per run: the counts live in the shared Redis for an hour.
  const attacker = `203.0.113.${1 + (randomBytes(1)[0]! % 250)}`;
  const signInFrom = async (roster: TestRoster, password: string) => {
    const response = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': attacker },
      body: JSON.stringify({
        query: 'mutation($input: SignInInput!) { signIn(input: $input) { viewer { role } } }',
        variables: { input: { email, password } },
      }),
    });
    return errorCode((await response.json()) as never);
  };

  beforeAll(async () => {
    const quiet = { runOutboxWorker: false, runSyncEngine: false, runImportRunner: false, runWebhookWorker: false };
    one = await startTestRoster(dialect, { redisUrl: REDIS_URL }, quiet);
    two = await startTestRoster(dialect, { redisUrl: REDIS_URL }, quiet, one.database);
    const account = await builders(one.dataSource).anAccount({ name: 'Guessed' });
    await builders(one.dataSource).aUser(account.id, { email, role: Role.OWNER, password: 'the-right-password' });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('refuses the guess after the free failures, wherever they were spent', async () => {
    const free = DEFAULT_SIGN_IN_THROTTLE.freeFailuresPerEmailAndIp;
    for (let i = 0; i < free - 1; i++) expect(await signInFrom(i % 2 ? two : one, `guess-${i}`)).toBe('INVALID_CREDENTIALS');
    // One instance alone has seen fewer than the free failures, yet the last one blocks the pair on both.
    expect(await signInFrom(two, 'guess-last')).toBe('INVALID_CREDENTIALS');
    expect(await signInFrom(one, 'the-right-password')).toBe('TOO_MANY_ATTEMPTS');
    expect(await signInFrom(two, 'the-right-password')).toBe('TOO_MANY_ATTEMPTS');
  });

  it('counts the SSO sign-ins an address starts on either instance against one budget', async () => {
    const starter = `198.51.100.${1 + (randomBytes(1)[0]! % 250)}`;
    const start = async (roster: TestRoster) => {
      const response = await fetch(`${roster.url}/auth/sso/start?account=nobody`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': starter },
      });
      return new URL(response.headers.get('location')!, roster.url).searchParams.get('sso_error');
    };
    const answers: Array<string | null> = [];
    for (let i = 0; i < SSO_STARTS_PER_MINUTE_PER_IP; i++) answers.push(await start(i % 2 ? two : one));
    expect(new Set(answers)).toEqual(new Set(['SSO_NOT_CONFIGURED']));
    // Each instance has seen half the budget, and both refuse the next start.
    expect(await start(one)).toBe('SSO_TOO_MANY_ATTEMPTS');
    expect(await start(two)).toBe('SSO_TOO_MANY_ATTEMPTS');
  });
});
