import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { AccountEntity } from '../../accounts/account.entity.js';
import { Role } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { WebhookDeliveryEntity } from '../../webhooks/webhook-delivery.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { MfaFactorEntity, MfaRecoveryCodeEntity } from './mfa-factor.entity.js';
import { PersonEntity } from '../../accounts/person.entity.js';
import { rotateCredentialsKey } from '../../app/credentials-rotation.js';
import { SecretBox } from '../../integrations/secret-box.js';

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { nextStep viewer { role } } }`;
const START = `mutation { startTotpEnrolment { factorId secret otpauthUri qrCodeSvg } }`;
const CONFIRM = `mutation($input: ConfirmTotpEnrolmentInput!) { confirmTotpEnrolment(input: $input) { recoveryCodes status { nextStep factors { kind } recoveryCodesLeft } } }`;
const VERIFY = `mutation($code: String!) { verifySecondFactor(input: { code: $code }) { viewer { person { email } } } }`;
const STATUS = `{ mfaStatus { email nextStep required factors { id kind label } recoveryCodesLeft } }`;

/** The code an authenticator app shows `offsetSeconds` from now (the server accepts one step of drift either way). */
const codeFor = (secret: string, offsetSeconds = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

describe.each(dialects)('multi-factor authentication (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let build: ReturnType<typeof builders>;
  let endpointId: string;

  const signIn = async (email: string, password: string) => {
    const client = new TestClient(roster.url);
    const result = await client.gql(SIGN_IN, { input: { email, password } });
    expect(result.errors).toBeUndefined();
    return { client, nextStep: result.data!.signIn.nextStep as string };
  };

  /** Enrols an authenticator app the way a person does: scan (read the secret), type the code the app shows. */
  const enrolTotp = async (client: TestClient) => {
    const started = await client.gql(START);
    expect(started.errors).toBeUndefined();
    const { factorId, secret } = started.data!.startTotpEnrolment;
    const confirmed = await client.gql(CONFIRM, { input: { factorId, code: await codeFor(secret) } });
    expect(confirmed.errors).toBeUndefined();
    return { secret: secret as string, recoveryCodes: confirmed.data!.confirmTotpEnrolment.recoveryCodes as string[] | null };
  };

  const auditActions = async (action: string) => roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, action });
  const deliveries = async (type: string) => roster.dataSource.getRepository(WebhookDeliveryEntity).findBy({ endpointId, eventType: type });

  beforeAll(async () => {
    roster = await startTestRoster(dialect, { outboundAllowPrivateNetworks: true });
    build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Acme MSP' });
    accountId = account.id;
    await build.aUser(accountId, { email: 'owner@acme.test', role: Role.OWNER, password: 'owner-password' });
    await build.aUser(accountId, { email: 'admin@acme.test', role: Role.ADMIN, password: 'admin-password' });
    const { client } = await signIn('admin@acme.test', 'admin-password');
    const created = await client.gql(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
      {
        input: {
          url: 'http://127.0.0.1:9/hooks',
          events: ['mfa.enrolled', 'mfa.removed', 'mfa.reset', 'mfa.recovery_code_used', 'mfa.failed'],
          description: 'MFA receiver',
        },
      },
    );
    expect(created.errors).toBeUndefined();
    endpointId = created.data!.createWebhookEndpoint.endpoint.id;
  });
  afterAll(() => roster?.close());

  it('enrols an authenticator app with a code from its secret, and the secret is stored sealed, never answered again', async () => {
    await build.aUser(accountId, { email: 'ann@acme.test', password: 'ann-password' });
    const { client, nextStep } = await signIn('ann@acme.test', 'ann-password');
    expect(nextStep).toBe('NONE');
    const started = await client.gql(START);
    const { factorId, secret, otpauthUri, qrCodeSvg } = started.data!.startTotpEnrolment;
    expect(otpauthUri).toBe(`otpauth://totp/Roster:ann%40acme.test?secret=${secret}&issuer=Roster`);
    expect(qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const wrong = await client.gql(CONFIRM, { input: { factorId, code: '000000' === (await codeFor(secret)) ? '111111' : '000000' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    const confirmed = await client.gql(CONFIRM, { input: { factorId, code: await codeFor(secret) } });
    expect(confirmed.errors).toBeUndefined();
    const { recoveryCodes, status } = confirmed.data!.confirmTotpEnrolment;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(status).toEqual({ nextStep: 'NONE', factors: [{ kind: 'TOTP' }], recoveryCodesLeft: 10 });

    const row = await roster.dataSource.getRepository(MfaFactorEntity).findOneByOrFail({ id: factorId });
    expect(row.sealedSecret).not.toContain(secret);
    const codes = await roster.dataSource.getRepository(MfaRecoveryCodeEntity).findBy({ personId: row.personId });
    expect(codes.map((c) => c.codeHash)).not.toContain(recoveryCodes[0]);
    const read = await client.gql(STATUS);
    expect(JSON.stringify(read.data)).not.toContain(secret);
    expect((await auditActions('mfa.enrolled')).some((e) => e.targetEmail === 'ann@acme.test')).toBe(true);
    expect((await deliveries('mfa.enrolled')).some((d) => d.payload.includes('ann@acme.test'))).toBe(true);
  });

  it('removes a factor (audited and webhooked); without factors the password alone signs in again', async () => {
    await build.aUser(accountId, { email: 'gus@acme.test', password: 'gus-password' });
    const first = await signIn('gus@acme.test', 'gus-password');
    const { secret } = await enrolTotp(first.client);
    const factorId = (await first.client.gql(STATUS)).data!.mfaStatus.factors[0].id;
    const removed = await first.client.gql(
      `mutation($id: ID!) { removeMfaFactor(input: { factorId: $id }) { factors { id } recoveryCodesLeft } }`,
      {
        id: factorId,
      },
    );
    expect(removed.data!.removeMfaFactor).toEqual({ factors: [], recoveryCodesLeft: 0 });
    const audited = (await auditActions('mfa.removed')).filter((e) => e.targetEmail === 'gus@acme.test');
    expect(audited.map((e) => JSON.parse(e.details!))).toEqual([{ kind: 'TOTP', factorId }]);
    expect((await deliveries('mfa.removed')).some((d) => d.payload.includes('gus@acme.test'))).toBe(true);
    const again = await signIn('gus@acme.test', 'gus-password');
    expect(again.nextStep).toBe('NONE');
    expect(errorCode(await again.client.gql(VERIFY, { code: await codeFor(secret, 30) }))).toBe('BAD_USER_INPUT');
  });

  it('signs in with the password and then a code; until then the session answers only the MFA operations', async () => {
    await build.aUser(accountId, { email: 'bob@acme.test', password: 'bob-password' });
    const first = await signIn('bob@acme.test', 'bob-password');
    const { secret } = await enrolTotp(first.client);

    const { client, nextStep } = await signIn('bob@acme.test', 'bob-password');
    expect(nextStep).toBe('SECOND_FACTOR');
    expect(errorCode(await client.gql('{ me { person { email } } }'))).toBe('MFA_REQUIRED');
    expect(errorCode(await client.gql('{ users { totalCount } }'))).toBe('MFA_REQUIRED');
    // Enrolling another factor would walk around the one the person has.
    expect(errorCode(await client.gql(START))).toBe('MFA_REQUIRED');
    expect((await client.gql(STATUS)).data!.mfaStatus).toMatchObject({ email: 'bob@acme.test', nextStep: 'SECOND_FACTOR' });

    // The next step's code: the enrolment spent the current one, and a code is never accepted twice.
    const verified = await client.gql(VERIFY, { code: await codeFor(secret, 30) });
    expect(verified.errors).toBeUndefined();
    expect(verified.data!.verifySecondFactor.viewer.person.email).toBe('bob@acme.test');
    expect((await client.gql('{ me { person { email } } }')).data!.me.person.email).toBe('bob@acme.test');
  });

  it('keeps authenticator apps working across a rotation of the credentials key: their secrets are re-sealed', async () => {
    await build.aUser(accountId, { email: 'rota@acme.test', password: 'rota-password' });
    const { secret } = await enrolTotp((await signIn('rota@acme.test', 'rota-password')).client);
    const person = await roster.dataSource.getRepository(PersonEntity).findOneByOrFail({ email: 'rota@acme.test' });
    const factor = await roster.dataSource.getRepository(MfaFactorEntity).findOneByOrFail({ personId: person.id, kind: 'TOTP' });
    const current = roster.services.secretBox;
    const next = new SecretBox(randomBytes(32));

    expect((await rotateCredentialsKey(roster.dataSource, current, next)).totpSecrets).toBeGreaterThanOrEqual(1);
    const resealed = await roster.dataSource.getRepository(MfaFactorEntity).findOneByOrFail({ id: factor.id });
    expect(next.open(resealed.sealedSecret!, factor.id)).toBe(secret);
    expect(() => current.open(resealed.sealedSecret!, factor.id)).toThrow();

    // Back to the key this server runs with: the app's codes still sign in.
    await rotateCredentialsKey(roster.dataSource, next, current);
    const { client, nextStep } = await signIn('rota@acme.test', 'rota-password');
    expect(nextStep).toBe('SECOND_FACTOR');
    const verified = await client.gql(VERIFY, { code: await codeFor(secret, 30) });
    expect(verified.errors).toBeUndefined();
  });

  it('accepts each recovery code once, and audits its use', async () => {
    await build.aUser(accountId, { email: 'cid@acme.test', password: 'cid-password' });
    const { recoveryCodes } = await enrolTotp((await signIn('cid@acme.test', 'cid-password')).client);
    const code = recoveryCodes![3]!;

    const once = await signIn('cid@acme.test', 'cid-password');
    expect((await once.client.gql(VERIFY, { code: code.toUpperCase() })).errors).toBeUndefined();
    expect((await once.client.gql(STATUS)).data!.mfaStatus.recoveryCodesLeft).toBe(9);
    const used = (await auditActions('mfa.recovery_code_used')).filter((e) => e.targetEmail === 'cid@acme.test');
    expect(used.map((e) => JSON.parse(e.details!))).toEqual([{ remaining: 9 }]);
    expect((await deliveries('mfa.recovery_code_used')).some((d) => d.payload.includes('cid@acme.test'))).toBe(true);

    const twice = await signIn('cid@acme.test', 'cid-password');
    expect(errorCode(await twice.client.gql(VERIFY, { code }))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await twice.client.gql('{ users { totalCount } }'))).toBe('MFA_REQUIRED');
  });

  it('throttles wrong codes like passwords and audits every failure', async () => {
    await build.aUser(accountId, { email: 'dee@acme.test', password: 'dee-password' });
    const { secret } = await enrolTotp((await signIn('dee@acme.test', 'dee-password')).client);
    const { client } = await signIn('dee@acme.test', 'dee-password');
    const right = await codeFor(secret, 30);
    const wrong = right === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect(errorCode(await client.gql(VERIFY, { code: wrong }))).toBe('INVALID_CREDENTIALS');
    const blocked = await client.gql(VERIFY, { code: right });
    expect(errorCode(blocked)).toBe('TOO_MANY_ATTEMPTS');
    expect(blocked.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    expect(errorCode(await client.gql('{ users { totalCount } }'))).toBe('MFA_REQUIRED');
    const failed = (await auditActions('mfa.failed')).filter((e) => e.targetEmail === 'dee@acme.test');
    expect(failed).toHaveLength(5);
    expect(JSON.parse(failed[0]!.details!)).toEqual({ method: 'TOTP' });
    expect((await deliveries('mfa.failed')).filter((d) => d.payload.includes('dee@acme.test'))).toHaveLength(5);
  });

  it("lets an administrator reset a user's MFA (audited, their sessions end) but not an owner's", async () => {
    const eve = await build.aUser(accountId, { email: 'eve@acme.test', password: 'eve-password' });
    const eveFirst = await signIn('eve@acme.test', 'eve-password');
    await enrolTotp(eveFirst.client);
    const owner = await signIn('owner@acme.test', 'owner-password');
    await enrolTotp(owner.client);
    const ownerMembership = (await auditActions('mfa.enrolled')).find((e) => e.targetEmail === 'owner@acme.test')!.targetId!;

    const admin = await signIn('admin@acme.test', 'admin-password');
    const RESET = `mutation($userId: ID!) { resetUserMfa(input: { userId: $userId }) { userId } }`;
    const refused = await admin.client.gql(RESET, { userId: ownerMembership });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors?.[0]?.extensions?.reason).toBe('OWNER_REQUIRED');

    const reset = await admin.client.gql(RESET, { userId: eve.id });
    expect(reset.errors).toBeUndefined();
    expect(errorCode(await eveFirst.client.gql('{ me { person { email } } }'))).toBe('UNAUTHENTICATED');
    const again = await signIn('eve@acme.test', 'eve-password');
    expect(again.nextStep).toBe('NONE');
    expect((await again.client.gql(STATUS)).data!.mfaStatus.factors).toEqual([]);
    const audited = (await auditActions('mfa.reset')).filter((e) => e.targetId === eve.id);
    expect(audited).toHaveLength(1);
    expect(audited[0]!.actorType).toBe('PERSON');
    expect((await deliveries('mfa.reset')).some((d) => d.payload.includes('eve@acme.test'))).toBe(true);
    // A member may not reset anyone's.
    expect(errorCode(await again.client.gql(RESET, { userId: eve.id }))).toBe('FORBIDDEN');
  });

  it('sends administrators without a second factor to enrolment when the account requires it, and blocks everything else until done', async () => {
    const other = await build.anAccount({ name: 'Strict MSP' });
    await build.aUser(other.id, { email: 'strict-admin@strict.test', role: Role.ADMIN, password: 'strict-password' });
    await build.aUser(other.id, { email: 'strict-member@strict.test', password: 'member-password' });
    const setter = await signIn('strict-admin@strict.test', 'strict-password');
    const set = await setter.client.gql(
      `mutation { updateAccountSettings(input: { requireMfa: ADMINISTRATORS }) { account { requireMfa } } }`,
    );
    expect(set.data!.updateAccountSettings.account.requireMfa).toBe('ADMINISTRATORS');

    const member = await signIn('strict-member@strict.test', 'member-password');
    expect(member.nextStep).toBe('NONE');

    const { client, nextStep } = await signIn('strict-admin@strict.test', 'strict-password');
    expect(nextStep).toBe('ENROL_MFA');
    expect(errorCode(await client.gql('{ users { totalCount } }'))).toBe('MFA_ENROLMENT_REQUIRED');
    expect(errorCode(await client.gql(`mutation { updateAccountSettings(input: { requireMfa: NONE }) { account { requireMfa } } }`))).toBe(
      'MFA_ENROLMENT_REQUIRED',
    );
    expect((await client.gql(STATUS)).data!.mfaStatus).toMatchObject({ nextStep: 'ENROL_MFA', required: true });
    expect(errorCode(await client.gql(VERIFY, { code: '123456' }))).toBe('BAD_USER_INPUT');
    await enrolTotp(client);
    expect((await client.gql('{ users { totalCount } }')).data!.users.totalCount).toBe(2);
    // The last factor stays while the account requires one.
    const factorId = (await client.gql(STATUS)).data!.mfaStatus.factors[0].id;
    const removal = await client.gql(`mutation($id: ID!) { removeMfaFactor(input: { factorId: $id }) { factors { id } } }`, {
      id: factorId,
    });
    expect(errorCode(removal)).toBe('BAD_USER_INPUT');
  });

  it('switching into an account that requires MFA of someone without it sends the session to enrolment', async () => {
    const everyone = await build.anAccount({ name: 'Everyone MSP' });
    await roster.dataSource.getRepository(AccountEntity).update({ id: everyone.id }, { requireMfa: 'EVERYONE' });
    await build.aUser(accountId, { email: 'flo@acme.test', password: 'flo-password', lastActiveAt: new Date() });
    await build.aUser(everyone.id, { email: 'flo@acme.test', password: 'flo-password' });
    const { client, nextStep } = await signIn('flo@acme.test', 'flo-password');
    expect(nextStep).toBe('NONE');
    const switched = await client.gql(
      `mutation($id: ID!) { switchAccount(input: { accountId: $id }) { viewer { currentAccount { name } } } }`,
      {
        id: everyone.id,
      },
    );
    expect(switched.data!.switchAccount.viewer.currentAccount.name).toBe('Everyone MSP');
    expect(errorCode(await client.gql('{ me { currentAccount { name } } }'))).toBe('MFA_ENROLMENT_REQUIRED');
    await enrolTotp(client);
    expect((await client.gql('{ me { currentAccount { name } } }')).data!.me.currentAccount.name).toBe('Everyone MSP');
  });
});
