import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonEntity } from '../../accounts/person.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { Role } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { FakeOidcProvider, OidcBrowser } from '../../../test/fakes/oidc-provider.js';
import { rotateCredentialsKey } from '../../app/credentials-rotation.js';
import { SecretBox } from '../../integrations/secret-box.js';
import { SsoConnectionEntity } from './sso.entity.js';
import { emptyFactor } from '../mfa/mfa.service.js';
import { MfaFactorEntity } from '../mfa/mfa-factor.entity.js';

const SAVE = `mutation($input: SaveSsoConnectionInput!) { saveSsoConnection(input: $input) { provider issuer clientId hasClientSecret allowedDomains ssoOnly callbackUrl startUrl } }`;
const READ = `{ ssoConnection { provider issuer clientId hasClientSecret allowedDomains ssoOnly } }`;
const ME = `{ me { person { email name } currentAccount { name } role } }`;

describe.each(dialects)('single sign-on with OpenID Connect (%s)', (dialect) => {
  let roster: TestRoster;
  let provider: FakeOidcProvider;
  let accountId: string;
  let owner: TestClient;
  let admin: TestClient;

  const connection = (extra: Record<string, unknown> = {}) => ({
    provider: 'CUSTOM',
    issuer: provider.issuer,
    clientId: 'roster',
    clientSecret: 'roster-client-secret',
    allowedDomains: ['acme.test'],
    ssoOnly: false,
    ...extra,
  });
  /** Where a sign-in through the provider as `login` ends, and the browser it ended in. */
  const ssoAs = async (login: string, start = '/auth/sso/start?account=acme') => {
    const browser = new OidcBrowser(roster.url);
    const landed = await browser.signInWithSso(start, login);
    return { browser, landed, error: landed.searchParams.get('sso_error') };
  };
  const meOf = async (browser: OidcBrowser) => {
    const response = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: browser.rosterCookieHeader() },
      body: JSON.stringify({ query: ME }),
    });
    return (await response.json()) as { data?: { me: any }; errors?: Array<{ extensions: { code: string } }> };
  };
  const lastFailure = async () => {
    const rows = await roster.dataSource.getRepository(AuditEventEntity).find({ where: { accountId, action: 'sso.failed' } });
    const last = rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).at(-1);
    return last ? { ...last, details: JSON.parse(last.details!) } : null;
  };

  beforeAll(async () => {
    roster = await startTestRoster(dialect, { outboundAllowPrivateNetworks: true });
    provider = await FakeOidcProvider.start({
      clients: [{ clientId: 'roster', clientSecret: 'roster-client-secret', redirectUris: [`${roster.url}/auth/sso/callback`] }],
      users: [
        { login: 'member', email: 'member@acme.test', name: 'Mia Member' },
        { login: 'owner', email: 'owner@acme.test' },
        { login: 'unverified', email: 'unverified@acme.test', emailVerified: false },
        { login: 'stranger', email: 'stranger@acme.test' },
        { login: 'outsider', email: 'someone@other.test' },
        { login: 'invitee', email: 'new.person@acme.test', name: 'Nora New' },
      ],
    });
    const build = builders(roster.dataSource);
    accountId = (await build.anAccount({ name: 'Acme MSP', slug: 'acme' })).id;
    await build.aUser(accountId, { email: 'owner@acme.test', role: Role.OWNER, password: 'owner-password' });
    await build.aUser(accountId, { email: 'admin@acme.test', role: Role.ADMIN, password: 'admin-password' });
    await build.aUser(accountId, { email: 'member@acme.test', role: Role.MEMBER, password: 'member-password' });
    await build.aUser(accountId, { email: 'unverified@acme.test', role: Role.MEMBER, password: 'unverified-password' });
    owner = new TestClient(roster.url);
    admin = new TestClient(roster.url);
    expect((await owner.signIn('owner@acme.test', 'owner-password')).errors).toBeUndefined();
    expect((await admin.signIn('admin@acme.test', 'admin-password')).errors).toBeUndefined();
    const saved = await owner.gql(SAVE, { input: connection() });
    expect(saved.errors).toBeUndefined();
  });
  afterAll(async () => {
    await provider?.close();
    await roster?.close();
  });

  it('is set up by an owner, read and tested by administrators, and never answers the client secret', async () => {
    const read = await admin.gql(READ);
    expect(read.data!.ssoConnection).toEqual({
      provider: 'CUSTOM',
      issuer: provider.issuer,
      clientId: 'roster',
      hasClientSecret: true,
      allowedDomains: ['acme.test'],
      ssoOnly: false,
    });
    expect(JSON.stringify(read)).not.toContain('roster-client-secret');
    const refused = await admin.gql(SAVE, { input: connection({ clientId: 'other' }) });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    const tested = await admin.gql(`mutation { testSsoConnection { ok issuer problem } }`);
    expect(tested.data!.testSsoConnection).toEqual({ ok: true, issuer: provider.issuer, problem: null });
    // A stored secret only goes where it was entered: another issuer needs it typed again.
    const moved = await owner.gql(SAVE, { input: connection({ issuer: 'https://idp.example.com', clientSecret: null }) });
    expect(moved.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.clientSecret' });
  });

  it("signs a member in through the provider's login page, by the account's slug or their email's domain", async () => {
    const bySlug = await ssoAs('member');
    expect(bySlug.error).toBeNull();
    expect(bySlug.landed.pathname).toBe('/');
    expect((await meOf(bySlug.browser)).data!.me).toMatchObject({
      person: { email: 'member@acme.test' },
      currentAccount: { name: 'Acme MSP' },
    });

    const byEmail = await ssoAs('member', '/auth/sso/start?account=member%40acme.test');
    expect(byEmail.error).toBeNull();
    expect((await meOf(byEmail.browser)).data!.me.person.email).toBe('member@acme.test');
    const signedIn = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, action: 'sso.signed_in' });
    expect(signedIn.map((e) => e.targetEmail)).toContain('member@acme.test');
  });

  it('asks the provider for its configuration once for many sign-ins, and again once the connection is saved', async () => {
    const save = async () => expect((await owner.gql(SAVE, { input: connection({ clientSecret: null }) })).errors).toBeUndefined();
    await save();
    let before = provider.discoveryRequests;
    expect((await ssoAs('member')).error).toBeNull();
    expect((await ssoAs('member')).error).toBeNull();
    expect(provider.discoveryRequests - before).toBe(1);

    await save();
    before = provider.discoveryRequests;
    expect((await ssoAs('member')).error).toBeNull();
    expect(provider.discoveryRequests - before).toBe(1);
  });

  it.each([
    ['another audience', (c: any) => ({ ...c, aud: 'someone-else' }), /aud/],
    ['another nonce', (c: any) => ({ ...c, nonce: 'not-the-nonce-roster-sent' }), /nonce/],
    [
      'an expired token',
      (c: any) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
      /exp/,
    ],
  ])('refuses an ID token with %s, signed by the provider all the same, and audits it', async (_what, change, why) => {
    provider.tamperNextIdToken(change);
    const { browser, error } = await ssoAs('member');
    expect(error).toBe('SSO_TOKEN_INVALID');
    expect(browser.rosterCookieHeader()).not.toContain('roster_session');
    const failure = await lastFailure();
    expect(failure!.details).toMatchObject({ reason: 'SSO_TOKEN_INVALID', detail: expect.stringMatching(why) });
  });

  it("refuses a token whose signature is not the provider's", async () => {
    provider.tamperNextIdToken((c) => c, { foreignKey: true });
    const { error } = await ssoAs('member');
    expect(error).toBe('SSO_TOKEN_INVALID');
    expect((await lastFailure())!.details.detail).toMatch(/signature/i);
  });

  it.each([
    ['an email the provider did not verify', 'unverified', 'SSO_EMAIL_UNVERIFIED'],
    ['an email that is no user of the account', 'stranger', 'SSO_NO_ACCESS'],
    ['an email of a domain the connection does not allow', 'outsider', 'SSO_DOMAIN_NOT_ALLOWED'],
  ])('refuses %s and audits it', async (_what, login, code) => {
    const { browser, error } = await ssoAs(login);
    expect(error).toBe(code);
    expect(browser.rosterCookieHeader()).not.toContain('roster_session');
    const failure = await lastFailure();
    expect(failure!.details.reason).toBe(code);
  });

  it('refuses a callback this browser did not start (login CSRF) and a sign-in used twice', async () => {
    const browser = new OidcBrowser(roster.url);
    const forged = await browser.follow(`${roster.url}/auth/sso/callback?code=stolen&state=made-up-state`);
    expect(new URL(forged.url).searchParams.get('sso_error')).toBe('SSO_STATE_MISMATCH');

    // Someone else's started sign-in: its state exists, but this browser has no cookie for it.
    const victim = new OidcBrowser(roster.url);
    const started = await victim.request(`${roster.url}/auth/sso/start?account=acme`);
    const state = new URL(started.headers.get('location')!).searchParams.get('state');
    const attacker = await browser.follow(`${roster.url}/auth/sso/callback?code=whatever&state=${state}`);
    expect(new URL(attacker.url).searchParams.get('sso_error')).toBe('SSO_STATE_MISMATCH');
    expect((await lastFailure())!.details.detail).toContain('another browser');
  });

  it('sends an unknown account back to the sign-in page without saying more', async () => {
    const { error } = await ssoAs('member', '/auth/sso/start?account=nobody%40unknown.test');
    expect(error).toBe('SSO_NOT_CONFIGURED');
  });

  it('accepts an invitation through SSO instead of a password, with the name the provider knows', async () => {
    const invited = await owner.gql(`mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { results { inviteLink } } }`, {
      input: { addresses: 'new.person@acme.test' },
    });
    const token = (invited.data!.inviteUsers.results[0].inviteLink as string).split('/invitations/')[1]!;
    const offers = await new TestClient(roster.url).gql(`query($t: String!) { invitationOffersSso(token: $t) }`, { t: token });
    expect(offers.data!.invitationOffersSso).toBe(true);

    // Someone else's provider account cannot take the invitation.
    const wrong = await ssoAs('stranger', `/auth/sso/start?invitation=${token}`);
    expect(wrong.error).toBe('SSO_INVITATION_MISMATCH');

    const { browser, error } = await ssoAs('invitee', `/auth/sso/start?invitation=${token}`);
    expect(error).toBeNull();
    expect((await meOf(browser)).data!.me).toMatchObject({ person: { email: 'new.person@acme.test' }, role: 'MEMBER' });
    const person = await roster.dataSource.getRepository(PersonEntity).findOneByOrFail({ email: 'new.person@acme.test' });
    expect(person.passwordHash).toBeNull();
    const membership = await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ accountId, personId: person.id });
    expect(membership).toMatchObject({ status: 'ACTIVE', name: 'Nora New' });
  });

  it('with "SSO only", refuses a member\'s right password with SSO_REQUIRED (a wrong one stays INVALID_CREDENTIALS); the owner keeps theirs', async () => {
    expect((await owner.gql(SAVE, { input: connection({ clientSecret: null, ssoOnly: true }) })).errors).toBeUndefined();
    try {
      const member = new TestClient(roster.url);
      expect(errorCode(await member.signIn('member@acme.test', 'wrong-password'))).toBe('INVALID_CREDENTIALS');
      const refused = await member.signIn('member@acme.test', 'member-password');
      expect(errorCode(refused)).toBe('SSO_REQUIRED');
      expect(member.cookie).toBeNull();
      expect((await new TestClient(roster.url).signIn('owner@acme.test', 'owner-password')).errors).toBeUndefined();
      // SSO itself still signs the member in.
      expect((await ssoAs('member')).error).toBeNull();
      // Nor can a new member join with a password instead of SSO.
      const invited = await owner.gql(`mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { results { inviteLink } } }`, {
        input: { addresses: 'late.joiner@acme.test' },
      });
      const token = (invited.data!.inviteUsers.results[0].inviteLink as string).split('/invitations/')[1]!;
      const accepted = await new TestClient(roster.url).gql(
        `mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { role } } }`,
        { input: { token, name: 'Late Joiner', password: 'a long enough password' } },
      );
      expect(errorCode(accepted)).toBe('SSO_REQUIRED');
    } finally {
      await owner.gql(SAVE, { input: connection({ clientSecret: null, ssoOnly: false }) });
    }
  });

  it('still asks the second factor of a person who enrolled one in Roster', async () => {
    const person = await roster.dataSource.getRepository(PersonEntity).findOneByOrFail({ email: 'member@acme.test' });
    const factor = { ...emptyFactor(randomUUID(), person.id, 'TOTP', 'Phone', new Date()), confirmedAt: new Date() };
    await roster.dataSource.getRepository(MfaFactorEntity).insert(factor);
    try {
      const { browser, error } = await ssoAs('member');
      expect(error).toBeNull();
      expect((await meOf(browser)).errors?.[0]?.extensions.code).toBe('MFA_REQUIRED');
    } finally {
      await roster.dataSource.getRepository(MfaFactorEntity).delete({ id: factor.id });
    }
  });

  it("keeps a session SSO opened in its account: switching to the person's other account is refused", async () => {
    const build = builders(roster.dataSource);
    const other = await build.anAccount({ name: 'Other MSP' });
    const person = await roster.dataSource.getRepository(PersonEntity).findOneByOrFail({ email: 'member@acme.test' });
    await roster.dataSource.getRepository(MembershipEntity).insert({
      ...(await roster.dataSource.getRepository(MembershipEntity).findOneByOrFail({ accountId, personId: person.id })),
      id: randomUUID(),
      accountId: other.id,
      role: Role.OWNER,
    });
    const { browser } = await ssoAs('member');
    const response = await fetch(`${roster.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: browser.rosterCookieHeader() },
      body: JSON.stringify({
        query: `mutation($id: ID!) { switchAccount(input: { accountId: $id }) { viewer { role } } }`,
        variables: { id: other.id },
      }),
    });
    const body = (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toContain('single sign-on');
  });

  it('re-seals the client secret when the credentials key is rotated', async () => {
    const current = roster.services.secretBox;
    const next = new SecretBox(randomBytes(32));
    const report = await rotateCredentialsKey(roster.dataSource, current, next);
    expect(report.ssoConnections).toBe(1);
    const row = await roster.dataSource.getRepository(SsoConnectionEntity).findOneByOrFail({ accountId });
    expect(next.open(row.sealedClientSecret, `sso:${accountId}`)).toBe('roster-client-secret');
    // Back to the key this server runs with.
    expect((await rotateCredentialsKey(roster.dataSource, next, current)).ssoConnections).toBe(1);
    expect((await ssoAs('member')).error).toBeNull();
  });

  it("with the Entra ID preset, starts from the tenant's issuer and signs in only the tenant's people (tid)", async () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const entra = await FakeOidcProvider.start({
      issuerPath: `/${tenant}/v2.0`,
      clients: [{ clientId: 'roster', clientSecret: 'roster-client-secret', redirectUris: [`${roster.url}/auth/sso/callback`] }],
      // Entra ID sends no email_verified: xms_edov says the tenant verified the email's domain.
      users: [
        { login: 'member', email: 'member@acme.test', emailVerified: false, claims: { tid: tenant, xms_edov: true } },
        { login: 'guest', email: 'member@acme.test', emailVerified: false, claims: { tid: 'another-tenant', xms_edov: true } },
      ],
    });
    const base = roster.services.config.microsoftLoginBaseUrl;
    roster.services.config.microsoftLoginBaseUrl = new URL(entra.issuer).origin;
    try {
      const saved = await owner.gql(SAVE, { input: connection({ provider: 'ENTRA_ID', tenantId: tenant, issuer: null }) });
      expect(saved.data!.saveSsoConnection.issuer).toBe(entra.issuer);
      expect((await ssoAs('member')).error).toBeNull();
      expect((await ssoAs('guest')).error).toBe('SSO_DOMAIN_NOT_ALLOWED');
      expect((await lastFailure())!.details.detail).toContain('tid');
    } finally {
      roster.services.config.microsoftLoginBaseUrl = base;
      await owner.gql(SAVE, { input: connection() });
      await entra.close();
    }
  });

  it('says the provider is unavailable when it is down, and audits it', async () => {
    const down = await FakeOidcProvider.start({ clients: [], users: [] });
    const build = builders(roster.dataSource);
    const other = await build.anAccount({ name: 'Down MSP', slug: 'down-msp' });
    await build.aUser(other.id, { email: 'boss@down.test', role: Role.OWNER, password: 'boss-password' });
    const boss = new TestClient(roster.url);
    await boss.signIn('boss@down.test', 'boss-password');
    await boss.gql(SAVE, { input: connection({ issuer: down.issuer, allowedDomains: ['down.test'] }) });
    await down.close();
    const { error } = await ssoAs('member', '/auth/sso/start?account=down-msp');
    expect(error).toBe('SSO_PROVIDER_UNAVAILABLE');
    const audited = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId: other.id, action: 'sso.failed' });
    expect(audited.map((a) => JSON.parse(a.details!).reason)).toEqual(['SSO_PROVIDER_UNAVAILABLE']);
  });

  it('slows down an address that starts many sign-ins (each one writes a row and calls the provider)', async () => {
    const answers: Array<string | null> = [];
    for (let i = 0; i < 31 && answers.at(-1) !== 'SSO_TOO_MANY_ATTEMPTS'; i++) {
      const response = await fetch(`${roster.url}/auth/sso/start?account=nobody`, { redirect: 'manual' });
      answers.push(new URL(response.headers.get('location')!, roster.url).searchParams.get('sso_error'));
    }
    expect(answers.at(-1)).toBe('SSO_TOO_MANY_ATTEMPTS');
    expect(answers.slice(0, -1).every((a) => a === 'SSO_NOT_CONFIGURED')).toBe(true);
  });
});
