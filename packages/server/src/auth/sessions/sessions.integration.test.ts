import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { Role } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { FakeClock } from '../../../test/fakes/clock.js';
import { errorCode, startTestRoster, type GraphQLResult, type TestRoster } from '../../../test/harness.js';
import { subscribe } from '../../../test/live-client.js';
import { SessionEntity } from '../session.entity.js';

const CHROME_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { nextStep } }';
const ME = '{ me { person { email } } }';
const MY_SESSIONS =
  '{ mySessions { totalCount edges { node { id device userAgent ip createdAt lastSeenAt current secondFactorPending } } } }';
const SIGN_OUT_SESSION = 'mutation($id: ID!) { signOutSession(input: { id: $id }) { sessionId wasCurrent } }';
const SIGN_OUT_EVERYWHERE = 'mutation { signOutEverywhere { sessionsEnded } }';
const CHANGE_PASSWORD = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { sessionsEnded } }';

/** A browser behind the trusted proxy (loopback): it sends its User-Agent, the proxy names its address in X-Forwarded-For. */
class Browser {
  cookie: string | null = null;

  constructor(
    private readonly url: string,
    private readonly userAgent: string,
    private readonly ip: string,
  ) {}

  async gql(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': this.userAgent,
        'x-forwarded-for': this.ip,
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const setCookie = response.headers.getSetCookie();
    for (const header of setCookie) {
      const [pair] = header.split(';');
      this.cookie = pair!.slice(pair!.indexOf('=') + 1) ? pair! : null;
    }
    const body = (await response.json()) as { data?: Record<string, any>; errors?: GraphQLResult['errors'] };
    return { status: response.status, data: body.data ?? null, errors: body.errors, setCookie };
  }

  async signIn(email: string, password: string): Promise<this> {
    const result = await this.gql(SIGN_IN, { input: { email, password } });
    expect(result.errors).toBeUndefined();
    return this;
  }

  async sessions(): Promise<Array<Record<string, any>>> {
    const result = await this.gql(MY_SESSIONS);
    expect(result.errors).toBeUndefined();
    return result.data!.mySessions.edges.map((edge: { node: Record<string, any> }) => edge.node);
  }

  async currentSessionId(): Promise<string> {
    return (await this.sessions()).find((session) => session.current)!.id;
  }

  /** True when the cookie still opens `me`; false when the server answers UNAUTHENTICATED. */
  async signedIn(): Promise<boolean> {
    const result = await this.gql(ME);
    if (result.errors) expect(errorCode(result)).toBe('UNAUTHENTICATED');
    return !result.errors;
  }
}

describe.each(dialects)('signed-in sessions (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let build: ReturnType<typeof builders>;
  const browser = (userAgent = CHROME_ON_WINDOWS, ip = '203.0.113.5') => new Browser(roster.url, userAgent, ip);
  const audit = (action: string) => roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, action });

  beforeAll(async () => {
    roster = await startTestRoster(dialect, {}, { runOutboxWorker: false, liveSessionCheckMs: 100 });
    build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'Acme MSP' })).id;
    for (const name of ['list', 'one', 'other', 'everywhere', 'password', 'mfa', 'seen', 'live', 'codes'])
      await build.aUser(accountId, { email: `${name}@acme.test`, role: Role.ADMIN, password: `${name}-password` });
  });
  afterAll(() => roster?.close());

  it('lists the person’s sessions with device, address, sign-in and last use, marking the current one', async () => {
    const laptop = await browser(CHROME_ON_WINDOWS, '203.0.113.5').signIn('list@acme.test', 'list-password');
    const desktop = await browser(FIREFOX_ON_LINUX, '198.51.100.7').signIn('list@acme.test', 'list-password');
    await browser().signIn('other@acme.test', 'other-password');

    const seen = await laptop.sessions();
    expect(seen).toHaveLength(2);
    expect(seen.map((s) => [s.device, s.ip, s.current]).sort()).toEqual([
      ['Chrome on Windows', '203.0.113.5', true],
      ['Firefox on Linux', '198.51.100.7', false],
    ]);
    expect(seen.find((s) => s.current)).toMatchObject({ userAgent: CHROME_ON_WINDOWS, secondFactorPending: false });
    expect(new Date(seen[0]!.lastSeenAt).getTime()).toBeGreaterThanOrEqual(new Date(seen[0]!.createdAt).getTime());
    // The other browser sees the same two, itself as the current one.
    expect((await desktop.sessions()).find((s) => s.current)!.device).toBe('Firefox on Linux');
  });

  it('signs one session out: its cookie stops working, the other keeps working, and it is audited', async () => {
    const mine = await browser().signIn('one@acme.test', 'one-password');
    const lost = await browser(FIREFOX_ON_LINUX, '198.51.100.9').signIn('one@acme.test', 'one-password');
    const lostId = await lost.currentSessionId();

    const result = await mine.gql(SIGN_OUT_SESSION, { id: lostId });
    expect(result.data?.signOutSession).toEqual({ sessionId: lostId, wasCurrent: false });
    expect(await lost.signedIn()).toBe(false);
    expect(await mine.signedIn()).toBe(true);
    expect((await mine.sessions()).map((s) => s.id)).not.toContain(lostId);
    const [entry] = (await audit('session.revoked')).filter((e) => JSON.parse(e.details!).sessionId === lostId);
    expect(JSON.parse(entry!.details!)).toMatchObject({ device: 'Firefox on Linux', ip: '198.51.100.9', wasCurrent: false });
  });

  it("refuses someone else's session id as NOT_FOUND and leaves that session signed in", async () => {
    const stranger = await browser().signIn('other@acme.test', 'other-password');
    const victim = await browser(FIREFOX_ON_LINUX).signIn('one@acme.test', 'one-password');
    const victimId = await victim.currentSessionId();

    const result = await stranger.gql(SIGN_OUT_SESSION, { id: victimId });
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(await victim.signedIn()).toBe(true);
    expect((await stranger.sessions()).map((s) => s.id)).not.toContain(victimId);
  });

  it('signs out everywhere else: every other session ends, this one stays, and it is audited', async () => {
    const here = await browser().signIn('everywhere@acme.test', 'everywhere-password');
    const others = [
      await browser(FIREFOX_ON_LINUX).signIn('everywhere@acme.test', 'everywhere-password'),
      await browser(FIREFOX_ON_LINUX, '198.51.100.20').signIn('everywhere@acme.test', 'everywhere-password'),
    ];
    const result = await here.gql(SIGN_OUT_EVERYWHERE);
    expect(result.data?.signOutEverywhere).toEqual({ sessionsEnded: 2 });
    for (const other of others) expect(await other.signedIn()).toBe(false);
    expect(await here.signedIn()).toBe(true);
    expect((await here.sessions()).map((s) => s.current)).toEqual([true]);
    const entries = await audit('session.signed_out_everywhere');
    expect(entries.map((e) => JSON.parse(e.details!))).toContainEqual({ reason: 'SIGN_OUT_EVERYWHERE', sessionsEnded: 2 });
  });

  it('a password change needs the current password and ends the other sessions, not this one', async () => {
    const here = await browser().signIn('password@acme.test', 'password-password');
    const elsewhere = await browser(FIREFOX_ON_LINUX).signIn('password@acme.test', 'password-password');

    const wrong = await here.gql(CHANGE_PASSWORD, { input: { currentPassword: 'not-it', newPassword: 'a-new-password-1' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(wrong.errors?.[0]?.extensions?.field).toBe('input.currentPassword');
    expect(await elsewhere.signedIn()).toBe(true);
    const short = await here.gql(CHANGE_PASSWORD, { input: { currentPassword: 'password-password', newPassword: 'short' } });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.newPassword' });

    const changed = await here.gql(CHANGE_PASSWORD, { input: { currentPassword: 'password-password', newPassword: 'a-new-password-1' } });
    expect(changed.data?.changePassword).toEqual({ sessionsEnded: 1 });
    expect(await elsewhere.signedIn()).toBe(false);
    expect(await here.signedIn()).toBe(true);
    const old = await browser().gql(SIGN_IN, { input: { email: 'password@acme.test', password: 'password-password' } });
    expect(errorCode(old)).toBe('INVALID_CREDENTIALS');
    await browser().signIn('password@acme.test', 'a-new-password-1');
    expect((await audit('password.changed')).length).toBe(1);
    expect((await audit('session.signed_out_everywhere')).map((e) => JSON.parse(e.details!))).toContainEqual({
      reason: 'PASSWORD_CHANGED',
      sessionsEnded: 1,
    });
  });

  it('enrolling an authenticator app ends the other sessions, not the one that enrolled', async () => {
    const here = await browser().signIn('mfa@acme.test', 'mfa-password');
    const elsewhere = await browser(FIREFOX_ON_LINUX).signIn('mfa@acme.test', 'mfa-password');
    const started = await here.gql('mutation { startTotpEnrolment { factorId secret } }');
    const { factorId, secret } = started.data!.startTotpEnrolment;
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    const confirmed = await here.gql(
      'mutation($input: ConfirmTotpEnrolmentInput!) { confirmTotpEnrolment(input: $input) { recoveryCodes } }',
      {
        input: { factorId, code },
      },
    );
    expect(confirmed.errors).toBeUndefined();
    expect(await elsewhere.signedIn()).toBe(false);
    expect(await here.signedIn()).toBe(true);
    expect((await audit('session.signed_out_everywhere')).map((e) => JSON.parse(e.details!))).toContainEqual({
      reason: 'MFA_CHANGED',
      sessionsEnded: 1,
    });
  });

  it("new recovery codes end the other sessions; an administrator's MFA reset ends every session of the user", async () => {
    const here = await browser().signIn('codes@acme.test', 'codes-password');
    const started = await here.gql('mutation { startTotpEnrolment { factorId secret } }');
    const { factorId, secret } = started.data!.startTotpEnrolment;
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    await here.gql('mutation($input: ConfirmTotpEnrolmentInput!) { confirmTotpEnrolment(input: $input) { recoveryCodes } }', {
      input: { factorId, code },
    });
    // Signed in elsewhere afterwards (password, then the second factor), then new codes from here.
    const elsewhere = new Browser(roster.url, FIREFOX_ON_LINUX, '198.51.100.30');
    await elsewhere.signIn('codes@acme.test', 'codes-password');
    const verified = await elsewhere.gql('mutation($code: String!) { verifySecondFactor(input: { code: $code }) { viewer { role } } }', {
      code: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
    });
    expect(verified.errors).toBeUndefined();
    expect(await elsewhere.signedIn()).toBe(true);
    expect((await here.gql('mutation { regenerateRecoveryCodes { recoveryCodes } }')).errors).toBeUndefined();
    expect(await elsewhere.signedIn()).toBe(false);
    expect(await here.signedIn()).toBe(true);

    const admin = await browser().signIn('list@acme.test', 'list-password');
    const users = await admin.gql('{ users(filter: { search: "codes@acme.test" }) { edges { node { id } } } }');
    const userId = users.data!.users.edges[0].node.id;
    expect(
      (await admin.gql('mutation($id: ID!) { resetUserMfa(input: { userId: $id }) { userId } }', { id: userId })).errors,
    ).toBeUndefined();
    expect(await here.signedIn()).toBe(false);
    const [reset] = (await audit('mfa.reset')).filter((e) => e.targetId === userId);
    expect(JSON.parse(reset!.details!)).toMatchObject({ sessionsEnded: 1 });
  });

  it('writes last seen at most once a minute per session, not on every request (injected clock)', async () => {
    const clock = new FakeClock();
    const realNow = roster.services.sessions.now;
    roster.services.sessions.now = clock.now;
    try {
      const here = await browser().signIn('seen@acme.test', 'seen-password');
      const id = await here.currentSessionId();
      const lastSeen = async () => (await roster.dataSource.getRepository(SessionEntity).findOneByOrFail({ id })).lastSeenAt!.getTime();
      const signedInAt = clock.now().getTime();
      expect(await lastSeen()).toBe(signedInAt);

      clock.advance(30_000);
      await here.gql(ME);
      expect(await lastSeen()).toBe(signedInAt);

      clock.advance(31_000);
      await here.gql(ME);
      const written = clock.now().getTime();
      expect(await lastSeen()).toBe(written);

      clock.advance(20_000);
      await here.gql(ME);
      await here.gql(ME);
      expect(await lastSeen()).toBe(written);
      expect(new Date((await here.sessions())[0]!.lastSeenAt).getTime()).toBe(written);
    } finally {
      roster.services.sessions.now = realNow;
    }
  });

  it('closes the live updates of a session signed out from another browser (4401)', async () => {
    const here = await browser().signIn('live@acme.test', 'live-password');
    const there = await browser(FIREFOX_ON_LINUX).signIn('live@acme.test', 'live-password');
    const live = subscribe(roster.url, there.cookie, 'subscription { userEvents { type } }');
    await (live as unknown as { ready: Promise<void> }).ready;
    await here.gql(SIGN_OUT_SESSION, { id: await there.currentSessionId() });
    expect(await live.closed).toMatchObject({ code: 4401, reason: 'Signed out' });
  });
});
